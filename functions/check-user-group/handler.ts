import * as z from 'zod/mini';
import { cacheRbac } from '../aws/cache-rbac.js';
import { lambdaHandler } from '../commons/lambda-handler.js';
import { cacheServiceSchema } from '../core/rbac/cache-service.js';
import { userGroupConvergence } from '../core/rbac/convergence.js';

const inputSchema = z.object({
  userGroupId: z.string().check(z.minLength(1)),
  userIds: z.array(z.string().check(z.minLength(1))),
  service: cacheServiceSchema,
});

/** Polled between Wait states: settled when the group (MemoryDB: ACL) is active with exactly these members. */
export const handler = lambdaHandler(inputSchema, async ({ userGroupId, userIds, service }) => {
  const group = await cacheRbac(service).describeUserGroup(userGroupId);
  return {
    userGroupId,
    status: group?.status ?? 'absent',
    convergence: userGroupConvergence(group, userIds),
  };
});

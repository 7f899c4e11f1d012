import * as z from 'zod';
import { cacheRbac } from '../aws/cache-rbac.js';
import { lambdaHandler } from '../commons/lambda-handler.js';
import { NotFoundError } from '../core/errors.js';
import { cacheServiceSchema } from '../core/rbac/cache-service.js';
import { replicationGroupConvergence } from '../core/rbac/convergence.js';

const inputSchema = z.object({
  replicationGroupId: z.string().min(1),
  userGroupId: z.string().min(1),
  service: cacheServiceSchema,
});

/**
 * Polled between Wait states: settled only when the replication group (MemoryDB: cluster) is
 * `available` with the user group (ACL) attached and no pending user-group change.
 */
export const handler = lambdaHandler(inputSchema, async ({ replicationGroupId, userGroupId, service }) => {
  const group = await cacheRbac(service).describeReplicationGroup(replicationGroupId);
  if (!group) throw new NotFoundError(`replication group ${replicationGroupId} does not exist`);
  return {
    replicationGroupId,
    status: group.status,
    convergence: replicationGroupConvergence(group, userGroupId),
  };
});

import * as z from 'zod';
import { cacheRbac } from '../aws/cache-rbac.js';
import { lambdaHandler } from '../commons/lambda-handler.js';
import { logger } from '../commons/powertools.js';
import { NotFoundError } from '../core/errors.js';
import { cacheServiceSchema } from '../core/rbac/cache-service.js';
import { replicationGroupConvergence } from '../core/rbac/convergence.js';

const inputSchema = z.object({
  replicationGroupId: z.string().min(1),
  userGroupId: z.string().min(1),
  service: cacheServiceSchema,
});

/**
 * ModifyReplicationGroup UserGroupIdsToAdd (applied immediately), or with `service: memorydb`
 * UpdateCluster ACLName, unless the group is attached or on its way. A busy replication group,
 * cluster, user group or ACL fails with its state fault, which the workflow retries.
 */
export const handler = lambdaHandler(inputSchema, async ({ replicationGroupId, userGroupId, service }) => {
  const cache = cacheRbac(service);
  const group = await cache.describeReplicationGroup(replicationGroupId);
  if (!group) throw new NotFoundError(`replication group ${replicationGroupId} does not exist`);
  const requested = replicationGroupConvergence(group, userGroupId) === 'needs-change';
  if (requested) await cache.attachUserGroup(replicationGroupId, userGroupId);
  logger.info('user group attachment requested', { service, replicationGroupId, userGroupId, requested });
  return { replicationGroupId, requested };
});

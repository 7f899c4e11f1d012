import { z } from 'zod';
import { describeReplicationGroup, modifyReplicationGroupUserGroups } from '../aws/elasticache.js';
import { lambdaHandler } from '../commons/lambda-handler.js';
import { logger } from '../commons/powertools.js';
import { NotFoundError } from '../core/errors.js';
import { replicationGroupConvergence } from '../core/rbac/convergence.js';

const inputSchema = z.object({ replicationGroupId: z.string().min(1), userGroupId: z.string().min(1) });

/**
 * ModifyReplicationGroup UserGroupIdsToAdd (applied immediately) unless the group is attached
 * or on its way. A busy replication group or user group fails with its state fault, which the
 * workflow retries.
 */
export const handler = lambdaHandler(inputSchema, async ({ replicationGroupId, userGroupId }) => {
  const group = await describeReplicationGroup(replicationGroupId);
  if (!group) throw new NotFoundError(`replication group ${replicationGroupId} does not exist`);
  const requested = replicationGroupConvergence(group, userGroupId) === 'needs-change';
  if (requested) await modifyReplicationGroupUserGroups(replicationGroupId, { add: [userGroupId] });
  logger.info('user group attachment requested', { replicationGroupId, userGroupId, requested });
  return { replicationGroupId, requested };
});

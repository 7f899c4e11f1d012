import { z } from 'zod';
import { describeReplicationGroup } from '../aws/elasticache.js';
import { lambdaHandler } from '../commons/lambda-handler.js';
import { NotFoundError } from '../core/errors.js';
import { replicationGroupConvergence } from '../core/rbac/convergence.js';

const inputSchema = z.object({ replicationGroupId: z.string().min(1), userGroupId: z.string().min(1) });

/**
 * Polled between Wait states: settled only when the replication group is `available` with the
 * user group attached and no pending user-group change.
 */
export const handler = lambdaHandler(inputSchema, async ({ replicationGroupId, userGroupId }) => {
  const group = await describeReplicationGroup(replicationGroupId);
  if (!group) throw new NotFoundError(`replication group ${replicationGroupId} does not exist`);
  return {
    replicationGroupId,
    status: group.status,
    convergence: replicationGroupConvergence(group, userGroupId),
  };
});

import * as z from 'zod/mini';
import { cacheRbac } from '../aws/cache-rbac.js';
import { describeServerlessCache } from '../aws/elasticache.js';
import { lambdaHandler } from '../commons/lambda-handler.js';
import { NotFoundError } from '../core/errors.js';
import { cacheServiceSchema } from '../core/rbac/cache-service.js';
import { replicationGroupConvergence } from '../core/rbac/convergence.js';

const inputSchema = z.object({
  replicationGroupId: z.string().check(z.minLength(1)),
  userGroupId: z.string().check(z.minLength(1)),
  service: cacheServiceSchema,
  /** `replicationGroupId` names an ElastiCache serverless cache. */
  serverless: z._default(z.boolean(), false),
});

/**
 * Polled between Wait states: settled only when the replication group (MemoryDB: cluster;
 * `serverless`: serverless cache) is `available` with the user group (ACL) attached and no
 * pending user-group change.
 */
export const handler = lambdaHandler(
  inputSchema,
  async ({ replicationGroupId, userGroupId, service, serverless }) => {
    const group = serverless
      ? await describeServerlessCache(replicationGroupId)
      : await cacheRbac(service).describeReplicationGroup(replicationGroupId);
    const noun = serverless ? 'serverless cache' : 'replication group';
    if (!group) throw new NotFoundError(`${noun} ${replicationGroupId} does not exist`);
    return {
      replicationGroupId,
      status: group.status,
      convergence: replicationGroupConvergence(group, userGroupId),
    };
  },
);

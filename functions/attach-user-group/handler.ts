import * as z from 'zod/mini';
import { cacheRbac } from '../aws/cache-rbac.js';
import { attachServerlessUserGroup, describeServerlessCache } from '../aws/elasticache.js';
import { lambdaHandler } from '../commons/lambda-handler.js';
import { logger } from '../commons/powertools.js';
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
 * ModifyReplicationGroup UserGroupIdsToAdd (applied immediately), with `serverless`
 * ModifyServerlessCache UserGroupId, or with `service: memorydb` UpdateCluster ACLName, unless the group is attached or on its way. A busy replication group,
 * cluster, user group or ACL fails with its state fault, which the workflow retries.
 */
export const handler = lambdaHandler(
  inputSchema,
  async ({ replicationGroupId, userGroupId, service, serverless }) => {
    const cache = cacheRbac(service);
    const group = serverless
      ? await describeServerlessCache(replicationGroupId)
      : await cache.describeReplicationGroup(replicationGroupId);
    const noun = serverless ? 'serverless cache' : 'replication group';
    if (!group) throw new NotFoundError(`${noun} ${replicationGroupId} does not exist`);
    const requested = replicationGroupConvergence(group, userGroupId) === 'needs-change';
    if (requested && serverless) await attachServerlessUserGroup(replicationGroupId, userGroupId);
    else if (requested) await cache.attachUserGroup(replicationGroupId, userGroupId);
    logger.info('user group attachment requested', {
      service,
      replicationGroupId,
      serverless,
      userGroupId,
      requested,
    });
    return { replicationGroupId, requested };
  },
);

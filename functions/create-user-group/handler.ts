import { z } from 'zod';
import { createUserGroup } from '../aws/elasticache.js';
import { lambdaHandler } from '../commons/lambda-handler.js';
import { logger } from '../commons/powertools.js';

const inputSchema = z.object({
  userGroupId: z.string().min(1),
  engine: z.enum(['redis', 'valkey']),
  userIds: z.array(z.string().min(1)).min(1),
});

/**
 * Creates the user group with its members (the locked default user among them). A retry that
 * finds the same group counts as created; a different one is a ConflictError.
 */
export const handler = lambdaHandler(inputSchema, async ({ userGroupId, engine, userIds }) => {
  const group = await createUserGroup(userGroupId, engine, userIds);
  logger.info('user group created', { userGroupId, status: group.status });
  return { userGroupId, status: group.status };
});

import * as z from 'zod/mini';
import { retirePreviousToken } from '../use-cases/auth-token-rotation-steps.js';
import { lambdaHandler } from '../commons/lambda-handler.js';
import { logger } from '../commons/powertools.js';

const inputSchema = z.object({
  replicationGroupId: z.string().check(z.minLength(1)),
  secretArn: z.string().check(z.minLength(1)),
  currentVersionId: z.string().check(z.minLength(1)),
});

/** ModifyReplicationGroup `SET` with the AWSCURRENT token: the previous token stops working. */
export const handler = lambdaHandler(inputSchema, async (request) => {
  const outcome = await retirePreviousToken(request);
  logger.info('previous token retired', { replicationGroupId: request.replicationGroupId, ...outcome });
  return outcome;
});

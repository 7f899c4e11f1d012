import * as z from 'zod/mini';
import { verifyTokens } from '../use-cases/auth-token-rotation-steps.js';
import { lambdaHandler } from '../commons/lambda-handler.js';
import { logger } from '../commons/powertools.js';

const inputSchema = z.object({
  replicationGroupId: z.string().check(z.minLength(1)),
  secretArn: z.string().check(z.minLength(1)),
  /** Versions whose token must log in (`AUTH <token>`) through the probe. */
  accepted: z.array(z.string().check(z.minLength(1))).check(z.minLength(1)),
  /** Versions whose token must be refused (after SET). */
  refused: z._default(z.array(z.string().check(z.minLength(1))), []),
});

/** The tokens tried on the cache itself, through the connectivity probe (skipped without one). */
export const handler = lambdaHandler(inputSchema, async ({ replicationGroupId, ...request }) => {
  const outcome = await verifyTokens(request);
  logger.info('tokens verified', {
    replicationGroupId,
    accepted: request.accepted,
    refused: request.refused,
    ...outcome,
  });
  return outcome;
});

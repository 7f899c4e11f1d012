import * as z from 'zod/mini';
import { releaseTokenClaim } from '../use-cases/auth-token-rotation-steps.js';
import { lambdaHandler } from '../commons/lambda-handler.js';
import { logger } from '../commons/powertools.js';

/**
 * `request` is the run's state (the workflow input with whatever the run added), so a failure in
 * the first step still names the group.
 */
const inputSchema = z.object({
  request: z.object({ replicationGroupId: z.string().check(z.minLength(1)) }),
  owner: z.string().check(z.minLength(1)),
});

/** Frees this run's claim on the group's token: after success, and on the way out of a failure. */
export const handler = lambdaHandler(inputSchema, async ({ request: { replicationGroupId }, owner }) => {
  await releaseTokenClaim({ replicationGroupId, owner });
  logger.info('token claim released', { replicationGroupId });
  return { replicationGroupId };
});

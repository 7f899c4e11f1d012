import * as z from 'zod/mini';
import { releaseUserClaim } from '../aws/user-claims.js';
import { lambdaHandler } from '../commons/lambda-handler.js';
import { logger } from '../commons/powertools.js';
import { cacheServiceSchema } from '../core/rbac/cache-service.js';

const inputSchema = z.object({
  /** The claim step's result or the validated plan: both carry the user ID and service. */
  user: z.object({ userId: z.string(), service: cacheServiceSchema }),
  owner: z.string().check(z.minLength(1)),
});

/**
 * Releases this run's claim on the user, on every way a workflow ends after taking it; a claim
 * another run holds (or none) is left as it is. An empty user ID means nothing was claimed.
 */
export const handler = lambdaHandler(inputSchema, async ({ user, owner }) => {
  if (user.userId !== '') await releaseUserClaim({ ...user, owner });
  logger.info('user claim released', { ...user });
  return { userId: user.userId };
});

import * as z from 'zod/mini';
import { verifyPendingPassword } from '../use-cases/rotation-steps.js';
import { lambdaHandler } from '../commons/lambda-handler.js';
import { logger } from '../commons/powertools.js';
import { cacheServiceSchema } from '../core/rbac/cache-service.js';

const inputSchema = z.object({
  userId: z.string().check(z.minLength(1)),
  secretArn: z.string().check(z.minLength(1)),
  pendingVersionId: z.string().check(z.minLength(1)),
  service: cacheServiceSchema,
});

/** `AUTH user <pending>` through the connectivity probe (skipped when no probe endpoint is configured). */
export const handler = lambdaHandler(
  inputSchema,
  async ({ userId, secretArn, pendingVersionId, service }) => {
    const outcome = await verifyPendingPassword({ secretArn, pendingVersionId, service });
    logger.info('pending password checked', { userId, result: outcome.result });
    return outcome;
  },
);

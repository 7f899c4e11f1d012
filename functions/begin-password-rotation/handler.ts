import { z } from 'zod';
import { beginRotation } from '../aws/rotation-steps.js';
import { serviceNow } from '../aws/service-clock.js';
import { lambdaHandler } from '../commons/lambda-handler.js';
import { logger } from '../commons/powertools.js';

const inputSchema = z.object({
  request: z.object({
    userId: z.string().regex(/^[A-Za-z][A-Za-z0-9-]{0,39}$/, 'must be 1-40 letters, digits or hyphens'),
    requestedBy: z.string().min(1).max(128).default('cachegate'),
    requestId: z.string().max(128).optional(),
    rotation: z.object({ checks: z.number().int().min(0) }).optional(),
  }),
  owner: z.string().min(1),
});

/**
 * First step of rotate-password: takes the user's rotation lock and checks the user and its
 * secret. `wait` loops through a Wait state (the user is being modified), `busy` ends the run
 * cleanly (another rotation holds the lock); a refusal fails with RotationRefusedError.
 */
export const handler = lambdaHandler(inputSchema, async ({ request, owner }) => {
  const checks = request.rotation?.checks ?? 0;
  const outcome = await beginRotation({ userId: request.userId, owner, checks, now: serviceNow() });
  logger.info('rotation begun', { userId: request.userId, status: outcome.status, checks });
  return {
    ...outcome,
    userId: request.userId,
    actor: request.requestedBy,
    requestId: request.requestId ?? '',
    checks: checks + 1,
  };
});

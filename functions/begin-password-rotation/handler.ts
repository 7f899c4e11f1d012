import * as z from 'zod/mini';
import { beginRotation } from '../use-cases/rotation-steps.js';
import { serviceNow } from '../aws/service-clock.js';
import { lambdaHandler } from '../commons/lambda-handler.js';
import { logger } from '../commons/powertools.js';
import { cacheServiceSchema } from '../core/rbac/cache-service.js';

const inputSchema = z.object({
  request: z.object({
    userId: z
      .string()
      .check(z.regex(/^[A-Za-z][A-Za-z0-9-]{0,39}$/, 'must be 1-40 letters, digits or hyphens')),
    requestedBy: z._default(z.string().check(z.minLength(1), z.maxLength(128)), 'cachegate'),
    requestId: z.optional(z.string().check(z.maxLength(128))),
    rotation: z.optional(z.object({ checks: z.int().check(z.gte(0)) })),
    /** ElastiCache unless `memorydb`; every later step gets it from this step's result. */
    service: cacheServiceSchema,
  }),
  owner: z.string().check(z.minLength(1)),
});

/**
 * First step of rotate-password: takes the user's claim and checks the user and its
 * secret. `wait` loops through a Wait state (the user is being modified), `busy` ends the run
 * cleanly (another workflow holds the claim); a refusal fails with RotationRefusedError.
 */
export const handler = lambdaHandler(inputSchema, async ({ request, owner }) => {
  const checks = request.rotation?.checks ?? 0;
  const { userId, service } = request;
  const outcome = await beginRotation({ userId, owner, checks, now: serviceNow(), service });
  logger.info('rotation begun', { userId, service, status: outcome.status, checks });
  return {
    ...outcome,
    userId,
    service,
    actor: request.requestedBy,
    requestId: request.requestId ?? '',
    checks: checks + 1,
  };
});

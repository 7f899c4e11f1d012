import * as z from 'zod/mini';
import { checkRotationPasswords } from '../use-cases/rotation-steps.js';
import { lambdaHandler } from '../commons/lambda-handler.js';
import { cacheServiceSchema } from '../core/rbac/cache-service.js';

const inputSchema = z.object({
  userId: z.string().check(z.minLength(1)),
  service: cacheServiceSchema,
  /** The checks made so far in this run (StartPasswordChecks sets 0); bounded by MAX_PASSWORD_CHECKS. */
  checks: z._default(z.int().check(z.gte(0)), 0),
});

/** Polled between Wait states: `settled` once the user is active with exactly two passwords. */
export const handler = lambdaHandler(inputSchema, async ({ userId, service, checks }) =>
  checkRotationPasswords(userId, service, checks),
);

import * as z from 'zod/mini';
import { cacheRbac } from '../aws/cache-rbac.js';
import { lambdaHandler } from '../commons/lambda-handler.js';
import { cacheServiceSchema } from '../core/rbac/cache-service.js';
import { userConvergence } from '../core/rbac/convergence.js';

const inputSchema = z.object({
  userId: z.string().check(z.minLength(1)),
  present: z.boolean(),
  passwordCount: z._default(z.int().check(z.gte(0), z.lte(2)), 1),
  service: cacheServiceSchema,
});

/** Polled between Wait states: how far the user is from the requested end state. */
export const handler = lambdaHandler(inputSchema, async ({ userId, present, passwordCount, service }) => {
  const user = await cacheRbac(service).describeUser(userId);
  const convergence = userConvergence(user, present ? { present, passwordCount } : { present });
  return { userId, status: user?.status ?? 'absent', convergence };
});

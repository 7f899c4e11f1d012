import * as z from 'zod/mini';
import { finishRotation } from '../use-cases/rotation-steps.js';
import { lambdaHandler } from '../commons/lambda-handler.js';
import { cacheServiceSchema } from '../core/rbac/cache-service.js';
import { rotationAuditInputShape } from '../core/rotation/audit-input.js';

const inputSchema = z.object({
  userId: z.string().check(z.minLength(1)),
  owner: z.string().check(z.minLength(1)),
  ...rotationAuditInputShape,
  service: cacheServiceSchema,
});

/** Publishes the PasswordRotated audit event (identifiers only) and releases the claim on the user. */
export const handler = lambdaHandler(inputSchema, async ({ requestId, ...request }) => {
  await finishRotation({ ...request, ...(requestId ? { requestId } : {}), now: new Date() });
  return { userId: request.userId };
});

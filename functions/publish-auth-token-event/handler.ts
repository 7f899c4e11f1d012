import * as z from 'zod/mini';
import { publishTokenEvent } from '../use-cases/auth-token-rotation-steps.js';
import { serviceNow } from '../aws/service-clock.js';
import { lambdaHandler } from '../commons/lambda-handler.js';
import { rotationAuditInputShape } from '../core/rotation/audit-input.js';

const inputSchema = z.object({
  action: z.enum(['AuthTokenPromoted', 'AuthTokenRotated']),
  replicationGroupId: z.string().check(z.minLength(1)),
  ...rotationAuditInputShape,
});

/** `AuthTokenPromoted` (new token current, both accepted) or `AuthTokenRotated` (previous token retired). */
export const handler = lambdaHandler(inputSchema, async ({ requestId, ...request }) => {
  await publishTokenEvent({ ...request, ...(requestId ? { requestId } : {}), now: serviceNow() });
  return { replicationGroupId: request.replicationGroupId };
});

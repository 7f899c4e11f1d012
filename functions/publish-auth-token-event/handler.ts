import * as z from 'zod';
import { publishTokenEvent } from '../use-cases/auth-token-rotation-steps.js';
import { serviceNow } from '../aws/service-clock.js';
import { lambdaHandler } from '../commons/lambda-handler.js';

const inputSchema = z.object({
  action: z.enum(['AuthTokenPromoted', 'AuthTokenRotated']),
  replicationGroupId: z.string().min(1),
  actor: z.string().min(1),
  requestId: z.string(),
  secretArn: z.string().min(1),
  currentVersionId: z.string().min(1),
  previousVersionId: z.string(),
  verification: z.string().min(1),
});

/** `AuthTokenPromoted` (new token current, both accepted) or `AuthTokenRotated` (previous token retired). */
export const handler = lambdaHandler(inputSchema, async ({ requestId, ...request }) => {
  await publishTokenEvent({ ...request, ...(requestId ? { requestId } : {}), now: serviceNow() });
  return { replicationGroupId: request.replicationGroupId };
});

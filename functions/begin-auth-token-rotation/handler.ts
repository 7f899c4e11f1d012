import * as z from 'zod/mini';
import { beginTokenRotation } from '../use-cases/auth-token-rotation-steps.js';
import { serviceNow } from '../aws/service-clock.js';
import { lambdaHandler } from '../commons/lambda-handler.js';
import { logger } from '../commons/powertools.js';
import { authTokenSecretName, rotateAuthTokenRequestSchema } from '../core/rotation/auth-token-rotation.js';

const inputSchema = z.object({
  request: z.extend(rotateAuthTokenRequestSchema, {
    rotation: z.optional(z.object({ checks: z.int().check(z.gte(0)) })),
  }),
  owner: z.string().check(z.minLength(1)),
});

/**
 * First step of rotate-auth-token: takes the group's token claim and checks the group and its
 * token secret. `wait` loops through a Wait state (the group is modifying), `busy` ends the run
 * cleanly (another token change holds the claim); a refusal fails with RotationRefusedError.
 */
export const handler = lambdaHandler(inputSchema, async ({ request, owner }) => {
  const checks = request.rotation?.checks ?? 0;
  const { replicationGroupId } = request;
  const secretId = request.authTokenSecretArn ?? authTokenSecretName(replicationGroupId);
  const outcome = await beginTokenRotation({
    replicationGroupId,
    secretId,
    owner,
    checks,
    now: serviceNow(),
  });
  logger.info('token rotation begun', { replicationGroupId, status: outcome.status, checks });
  return {
    ...outcome,
    replicationGroupId,
    retireAfterHours: request.retireAfterHours,
    actor: request.requestedBy,
    requestId: request.requestId ?? '',
    checks: checks + 1,
  };
});

import * as z from 'zod/mini';
import { runRotationStep } from '../use-cases/rotation-contract.js';
import { lambdaHandler } from '../commons/lambda-handler.js';
import { logger } from '../commons/powertools.js';
import { ROTATION_STEPS } from '../core/rotation/secrets-manager-contract.js';

const inputSchema = z.object({
  SecretId: z.string().check(z.minLength(1)),
  ClientRequestToken: z
    .string()
    .check(z.regex(/^[A-Za-z0-9-]{32,64}$/, 'must be 32-64 letters, digits or hyphens')),
  Step: z.enum(ROTATION_STEPS),
  RotationToken: z.optional(z.string()),
});

/**
 * Secrets Manager rotation function for cachegate user secrets and AUTH token secrets: teams that
 * use native rotation schedules get the same zero-lockout rotation as the rotate-password and
 * rotate-auth-token workflows.
 */
export const handler = lambdaHandler(inputSchema, async ({ SecretId, ClientRequestToken, Step }) => {
  const outcome = await runRotationStep(Step, SecretId, ClientRequestToken);
  logger.info('rotation step done', {
    step: Step,
    secretId: SecretId,
    versionId: ClientRequestToken,
    outcome,
  });
  return { step: Step, outcome };
});

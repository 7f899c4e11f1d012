import * as z from 'zod';
import { describeSecret, scheduleSecretDeletion } from '../aws/secrets.js';
import { lambdaHandler } from '../commons/lambda-handler.js';
import { logger } from '../commons/powertools.js';
import { ConflictError } from '../core/errors.js';
import { isManagedUserSecret } from '../core/rbac/user-secret.js';

/** Days a deleted user's secret stays restorable (Secrets Manager allows 7–30). */
const RECOVERY_WINDOW_DAYS = 7;

const inputSchema = z.object({ userId: z.string().min(1), secretName: z.string().min(1) });

/**
 * Schedules the user's secret for deletion after the recovery window; only a secret cachegate
 * manages for this user. Repeating it keeps the first deletion date.
 */
export const handler = lambdaHandler(inputSchema, async ({ userId, secretName }) => {
  const secret = await describeSecret(secretName);
  if (!secret) return { secretName, deletionDate: null };
  if (!isManagedUserSecret(secret.tags, userId)) {
    throw new ConflictError(`secret ${secretName} is not a cachegate secret for user ${userId}`);
  }
  const deletionDate =
    secret.deletionDate ?? (await scheduleSecretDeletion(secret.arn, RECOVERY_WINDOW_DAYS));
  logger.info('user secret scheduled for deletion', { userId, secretArn: secret.arn });
  return { secretName, deletionDate: deletionDate?.toISOString() ?? null };
});

import * as z from 'zod/mini';
import { describeSecret, scheduleSecretDeletion } from '../aws/secrets.js';
import { lambdaHandler } from '../commons/lambda-handler.js';
import { logger } from '../commons/powertools.js';
import { ConflictError } from '../core/errors.js';
import { isManagedUserSecret, onlyVersionIs } from '../core/rbac/user-secret.js';

/** Days a deleted user's secret stays restorable (Secrets Manager allows 7–30). */
const RECOVERY_WINDOW_DAYS = 7;

const inputSchema = z.object({
  userId: z.string().check(z.minLength(1)),
  secretName: z.string().check(z.minLength(1)),
  /**
   * A failed run's clean-up: the version this run stored. The secret is deleted only if that is
   * its only version (the run created it); offboarding passes none and deletes the user's secret.
   */
  ownVersionId: z.optional(z.string().check(z.minLength(1))),
});

/**
 * Schedules the user's secret for deletion after the recovery window; only a secret cachegate
 * manages for this user. Repeating it keeps the first deletion date.
 */
export const handler = lambdaHandler(inputSchema, async ({ userId, secretName, ownVersionId }) => {
  const secret = await describeSecret(secretName);
  if (!secret) return { secretName, deletionDate: null };
  if (!isManagedUserSecret(secret.tags, userId)) {
    throw new ConflictError(`secret ${secretName} is not a cachegate secret for user ${userId}`);
  }
  if (ownVersionId !== undefined && !onlyVersionIs(secret.versionStages, ownVersionId)) {
    logger.warn('user secret kept: this run did not create all of it', { userId, secretArn: secret.arn });
    return { secretName, deletionDate: secret.deletionDate?.toISOString() ?? null };
  }
  const deletionDate =
    secret.deletionDate ?? (await scheduleSecretDeletion(secret.arn, RECOVERY_WINDOW_DAYS));
  logger.info('user secret scheduled for deletion', { userId, secretArn: secret.arn });
  return { secretName, deletionDate: deletionDate?.toISOString() ?? null };
});

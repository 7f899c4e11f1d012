import * as z from 'zod/mini';
import { describeUser, lockUser } from '../aws/elasticache.js';
import { lambdaHandler } from '../commons/lambda-handler.js';
import { logger } from '../commons/powertools.js';
import { NotFoundError } from '../core/errors.js';
import { generatePassword } from '../core/password-policy.js';
import { LOCKED_ACCESS_STRING, isLockedAccessString } from '../core/rbac/default-user.js';

const inputSchema = z.object({ defaultUserId: z.string().check(z.minLength(1)) });

/**
 * Locks the migrated group's `default` user: `off -@all` and a fresh random password nobody
 * keeps, replacing the old AUTH token, so `AUTH <token>` is refused from now on. Nothing to do
 * when an earlier attempt locked it (or the change is under way); a busy user fails with
 * InvalidUserStateFault, which the workflow retries.
 */
export const handler = lambdaHandler(inputSchema, async ({ defaultUserId }) => {
  const user = await describeUser(defaultUserId);
  if (!user) throw new NotFoundError(`user ${defaultUserId} does not exist`);
  const requested = !isLockedAccessString(user.accessString);
  if (requested) await lockUser(defaultUserId, LOCKED_ACCESS_STRING, generatePassword());
  logger.info('default user lock', { defaultUserId, requested });
  return { defaultUserId, requested };
});

import * as z from 'zod/mini';
import { storeSecretVersion } from '../aws/secrets.js';
import { lambdaHandler } from '../commons/lambda-handler.js';
import { logger } from '../commons/powertools.js';
import { generatePassword } from '../core/password-policy.js';
import { CACHE_SERVICE_NAMES, cacheServiceSchema } from '../core/rbac/cache-service.js';
import { clientRequestToken } from '../core/rbac/client-request-token.js';
import { isManagedUserSecret, userSecretTags } from '../core/rbac/user-secret.js';

const inputSchema = z.object({
  userId: z.string().check(z.minLength(1)),
  userName: z.string().check(z.minLength(1)),
  secretName: z.string().check(z.minLength(1)),
  executionName: z.string().check(z.minLength(1)),
  passwordLength: z.optional(z.int()),
  service: cacheServiceSchema,
});

/**
 * Generates the user's password and stores it as the user's secret (JSON username + password).
 * The version ID is derived from the execution and the user, so a retry after a crash finds the
 * version stored by the first attempt and keeps it. Only the ARN and version ID leave this step.
 */
export const handler = lambdaHandler(
  inputSchema,
  async ({ userId, userName, secretName, executionName, passwordLength, service }) => {
    const password = generatePassword(passwordLength === undefined ? {} : { length: passwordLength });
    const ref = await storeSecretVersion({
      name: secretName,
      value: JSON.stringify({ username: userName, password }),
      clientRequestToken: clientRequestToken('onboard-user', executionName, userId),
      tags: userSecretTags(userId),
      description: `cachegate: password of ${CACHE_SERVICE_NAMES[service]} user ${userId}`,
      owns: (tags) => isManagedUserSecret(tags, userId),
    });
    logger.info('user secret stored', { userId, secretArn: ref.arn, versionId: ref.versionId });
    return ref;
  },
);

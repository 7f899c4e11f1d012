import * as z from 'zod';
import { cacheRbac } from '../aws/cache-rbac-port.js';
import { readSecretVersion } from '../aws/secrets.js';
import { lambdaHandler } from '../commons/lambda-handler.js';
import { logger } from '../commons/powertools.js';
import { ValidationError } from '../core/errors.js';
import { cacheServiceSchema } from '../core/rbac/cache-service.js';
import { userSecretSchema } from '../core/rbac/user-secret.js';

const inputSchema = z.object({
  userId: z.string().min(1),
  userName: z.string().min(1),
  engine: z.enum(['redis', 'valkey']),
  accessString: z.string().min(1),
  /** The password's secret version; absent for an IAM-authenticated user, which has none. */
  secret: z.object({ arn: z.string().min(1), versionId: z.string().min(1) }).optional(),
  auth: z.enum(['password', 'iam']).default('password'),
  service: cacheServiceSchema,
});

/**
 * Creates the ElastiCache (or MemoryDB) user with the password read from Secrets Manager by version: the
 * password exists only inside this call, never in the workflow's payload. An IAM user is created
 * with IAM authentication and no password.
 */
export const handler = lambdaHandler(
  inputSchema,
  async ({ userId, userName, engine, accessString, secret, auth, service }) => {
    if (auth === 'iam') {
      const { user, created } = await cacheRbac(service).createUser({
        userId,
        userName,
        engine,
        accessString,
        passwords: [],
        iam: true,
      });
      logger.info('cache user created', { service, userId, auth, created, status: user.status });
      return { userId, status: user.status, created };
    }
    if (!secret) throw new ValidationError('a password user needs its secret version', 'secret');
    const stored = userSecretSchema.safeParse(parseJson(await readSecretVersion(secret)));
    if (!stored.success || stored.data.username !== userName) {
      throw new ValidationError(
        `secret ${secret.arn} version ${secret.versionId} is not the secret of ${userName}`,
        'secret',
      );
    }
    const { user, created } = await cacheRbac(service).createUser({
      userId,
      userName,
      engine,
      accessString,
      passwords: [stored.data.password],
    });
    logger.info('cache user created', { service, userId, created, status: user.status });
    return { userId, status: user.status, created };
  },
);

/** JSON.parse quotes the text it fails on: this error must not carry a secret. */
function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

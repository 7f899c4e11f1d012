import * as z from 'zod/mini';
import { cacheRbac } from '../aws/cache-rbac.js';
import { readSecretVersion } from '../aws/secrets.js';
import { lambdaHandler } from '../commons/lambda-handler.js';
import { logger } from '../commons/powertools.js';
import { validateAuthToken } from '../core/auth-token-policy.js';
import { ValidationError } from '../core/errors.js';
import { cacheServiceSchema } from '../core/rbac/cache-service.js';
import { userSecretSchema } from '../core/rbac/user-secret.js';

const inputSchema = z.object({
  userId: z.string().check(z.minLength(1)),
  userName: z.string().check(z.minLength(1)),
  engine: z.enum(['redis', 'valkey']),
  accessString: z.string().check(z.minLength(1)),
  /**
   * Where the password is: a cachegate user secret (`{"username","password"}`), or with
   * `format: auth-token` a replication group's AUTH token secret (migrate-to-rbac's default user).
   * Absent for an IAM-authenticated user, which has no password.
   */
  secret: z.optional(
    z.object({
      arn: z.string().check(z.minLength(1)),
      versionId: z.string().check(z.minLength(1)),
      format: z._default(z.enum(['user', 'auth-token']), 'user'),
    }),
  ),
  auth: z._default(z.enum(['password', 'iam']), 'password'),
  service: cacheServiceSchema,
  /** The run's execution ID, tagged on the user: proof on a retry that an existing user is its own. */
  createdBy: z.string().check(z.minLength(1), z.maxLength(256)),
});

/**
 * Creates the ElastiCache (or MemoryDB) user with the password read from Secrets Manager by version: the
 * password exists only inside this call, never in the workflow's payload. An IAM user is created
 * with IAM authentication and no password.
 */
export const handler = lambdaHandler(
  inputSchema,
  async ({ userId, userName, engine, accessString, secret, auth, service, createdBy }) => {
    if (auth === 'iam') {
      const { user, created } = await cacheRbac(service).createUser({
        userId,
        userName,
        engine,
        accessString,
        passwords: [],
        iam: true,
        createdBy,
      });
      logger.info('cache user created', { service, userId, auth, created, status: user.status });
      return { userId, status: user.status, created };
    }
    if (!secret) throw new ValidationError('a password user needs its secret version', 'secret');
    const password = passwordIn(await readSecretVersion(secret), secret, userName);
    const { user, created } = await cacheRbac(service).createUser({
      userId,
      userName,
      engine,
      accessString,
      passwords: [password],
      createdBy,
    });
    logger.info('cache user created', { service, userId, created, status: user.status });
    return { userId, status: user.status, created };
  },
);

function passwordIn(
  text: string,
  secret: { arn: string; versionId: string; format: 'user' | 'auth-token' },
  userName: string,
): string {
  if (secret.format === 'auth-token') {
    if (!validateAuthToken(text).ok) {
      throw new ValidationError(
        `secret ${secret.arn} version ${secret.versionId} does not hold a valid AUTH token`,
        'secret',
      );
    }
    return text;
  }
  const stored = z.safeParse(userSecretSchema, parseJson(text));
  if (!stored.success || stored.data.username !== userName) {
    throw new ValidationError(
      `secret ${secret.arn} version ${secret.versionId} is not the secret of ${userName}`,
      'secret',
    );
  }
  return stored.data.password;
}

/** JSON.parse quotes the text it fails on: this error must not carry a secret. */
function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

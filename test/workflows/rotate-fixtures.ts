/**
 * Shared set-up of the rotation workflow tests and the benchmark: users with a cachegate secret,
 * a mirror of the ElastiCache (or MemoryDB) model's password lists (and, when present, a real
 * redis-server), and a simulated client that keeps authenticating with the secret's AWSCURRENT.
 */
import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  ListSecretVersionIdsCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { createAwsClient } from '../../functions/aws/clients.js';
import { tryAuth } from '../../functions/aws/rotation-probe.js';
import type { CacheService } from '../../functions/core/rbac/cache-service.js';
import { seedUserWithSecret } from '../../local/sandbox/seed-user-with-secret.js';
import type { Sandbox } from '../../local/sandbox/sandbox.js';
import type { ElastiCacheModel } from '../../local/sandbox/models/elasticache/index.js';
import type { MemoryDbModel } from '../../local/sandbox/models/memorydb/index.js';
import type { RedisServer } from '../interop/redis-server.js';

/** Either cache model: both settle changes on the clock and report settled users to a hook. */
export type RbacModel = ElastiCacheModel | MemoryDbModel;

export function secretsClient(): SecretsManagerClient {
  return createAwsClient(SecretsManagerClient, {});
}

/** An active user with one password, and its secret holding that password as AWSCURRENT. */
export function seedRotatableUser(
  sandbox: Sandbox,
  userId: string,
  extraTags: Record<string, string> = {},
  service: CacheService = 'elasticache',
): Promise<{ secretArn: string; password: string }> {
  return seedUserWithSecret(sandbox, userId, { service, extraTags, accessString: 'on ~app:* +@read' });
}

/**
 * Points the connectivity probe of `service`'s functions (functions/aws/rotation-probe.ts) at
 * 127.0.0.1:`port` over plain TCP, and at `cache` where the probe must name the cache it checks.
 */
export function pointProbeAt(port: number, options: { service?: CacheService; cache?: string } = {}): void {
  const prefix = options.service === 'memorydb' ? 'MEMORYDB_' : '';
  process.env[`${prefix}ROTATION_PROBE_ENDPOINT`] = `127.0.0.1:${port}`;
  process.env[`${prefix}ROTATION_PROBE_TLS`] = 'false';
  if (options.cache) process.env.ROTATION_PROBE_CACHE = options.cache;
}

/** Unsets every variable pointProbeAt sets, for both services. */
export function clearProbe(): void {
  for (const prefix of ['', 'MEMORYDB_']) {
    delete process.env[`${prefix}ROTATION_PROBE_ENDPOINT`];
    delete process.env[`${prefix}ROTATION_PROBE_TLS`];
  }
  delete process.env.ROTATION_PROBE_CACHE;
}

/** The Lambda context a handler called directly (not through the runner) gets. */
export function lambdaContext(functionName: string) {
  return {
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:${functionName}`,
    memoryLimitInMB: '256',
    awsRequestId: 'req',
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    callbackWaitsForEmptyEventLoop: false,
    getRemainingTimeInMillis: () => 60_000,
  };
}

/**
 * What each user's passwords are right now, as the ElastiCache or MemoryDB model settles changes
 * (its `onUserChanged` hook), mirrored into a real redis-server when one is given. Records the
 * largest password list it ever saw.
 */
export class PasswordMirror {
  readonly passwords = new Map<string, readonly string[]>();
  maxPasswordCount = 0;

  constructor(
    private readonly model: RbacModel,
    readonly redis?: RedisServer,
  ) {}

  install(): this {
    this.model.onUserChanged = async (
      user: { UserName?: string; Name?: string; Status?: string; AccessString?: string },
      passwords: readonly string[],
    ) => {
      // ElastiCache users have a UserName; MemoryDB users only a Name.
      const name = user.UserName ?? user.Name ?? '';
      if (name === 'default') return;
      this.maxPasswordCount = Math.max(this.maxPasswordCount, passwords.length);
      if (user.Status === 'deleted') this.passwords.delete(name);
      else this.passwords.set(name, passwords);
      if (!this.redis) return;
      if (user.Status === 'deleted') {
        await this.redis.command(['ACL', 'DELUSER', name]);
        return;
      }
      const auth = passwords.length > 0 ? passwords.map((p) => `>${p}`) : ['nopass'];
      await this.redis.command([
        'ACL',
        'SETUSER',
        name,
        'reset',
        ...(user.AccessString ?? '').split(' '),
        ...auth,
      ]);
    };
    return this;
  }

  uninstall(): void {
    this.model.onUserChanged = undefined;
  }
}

/**
 * A client of the cache that, again and again, reads the secret's AWSCURRENT and authenticates
 * with it: against the model's password list (always) and with a real AUTH (when redis runs).
 * Every failure is recorded with what was tried (never the password itself).
 */
export class SimulatedClient {
  attempts = 0;
  readonly failures: string[] = [];
  private running = false;
  private loop: Promise<void> | undefined;

  constructor(
    private readonly model: RbacModel,
    private readonly mirror: PasswordMirror,
    private readonly users: { userId: string; secretArn: string }[],
  ) {}

  start(): void {
    this.running = true;
    this.loop = (async () => {
      while (this.running) {
        await this.authenticateOnce();
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
    })();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
    await this.authenticateOnce();
  }

  async authenticateOnce(): Promise<void> {
    await this.model.settle();
    for (const { userId, secretArn } of this.users) {
      this.attempts += 1;
      const { SecretString, VersionId } = await secretsClient().send(
        new GetSecretValueCommand({ SecretId: secretArn, VersionStage: 'AWSCURRENT' }),
      );
      const { username, password } = JSON.parse(SecretString ?? '{}') as {
        username: string;
        password: string;
      };
      if (!(this.mirror.passwords.get(username) ?? []).includes(password)) {
        this.failures.push(`${userId}: AWSCURRENT ${VersionId} is not among the user's passwords`);
      }
      if (this.mirror.redis) {
        const result = await tryAuth(
          { host: '127.0.0.1', port: this.mirror.redis.port, tls: false },
          username,
          password,
        );
        if (result !== 'accepted')
          this.failures.push(`${userId}: AUTH with AWSCURRENT ${VersionId} was refused`);
      }
    }
  }
}

/** Every version the secret has (labelled or not) and which labels each carries. */
export async function secretVersions(secretArn: string): Promise<Record<string, string[]>> {
  const { Versions } = await secretsClient().send(
    new ListSecretVersionIdsCommand({ SecretId: secretArn, IncludeDeprecated: true }),
  );
  return Object.fromEntries(
    (Versions ?? []).map((v) => [v.VersionId ?? '', [...(v.VersionStages ?? [])].sort()]),
  );
}

export async function secretStages(secretArn: string): Promise<Record<string, string[]>> {
  const { VersionIdsToStages } = await secretsClient().send(
    new DescribeSecretCommand({ SecretId: secretArn }),
  );
  return VersionIdsToStages ?? {};
}

/** Each user's AWSCURRENT password (read from Secrets Manager) is the newest one the user holds. */
export async function currentPasswordsAreLive(
  mirror: PasswordMirror,
  users: readonly { userId: string; secretArn: string }[],
): Promise<string[]> {
  const mismatched: string[] = [];
  for (const { userId, secretArn } of users) {
    const { SecretString } = await secretsClient().send(new GetSecretValueCommand({ SecretId: secretArn }));
    const { password } = JSON.parse(SecretString ?? '{}') as { password: string };
    if (mirror.passwords.get(userId)?.[0] !== password) mismatched.push(userId);
  }
  return mismatched;
}

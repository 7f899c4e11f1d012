/**
 * rotate-auth-token on the real ASL: ROTATE (old and new both accepted), verify, promote, wait,
 * SET (the old token refused), with the same fault-injection matrix as password rotation, and
 * clients holding either token through the ROTATE window (the model's token list always; a real
 * `AUTH <token>` on redis-server when installed — mandatory when CI is set).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { InvalidReplicationGroupStateFault } from '@aws-sdk/client-elasticache';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import {
  CreateSecretCommand,
  GetSecretValueCommand,
  RotateSecretCommand,
} from '@aws-sdk/client-secrets-manager';
import { currentUserClaim } from '../../functions/aws/user-claims.js';
import { generateAuthToken } from '../../functions/core/auth-token-policy.js';
import { authTokenClaimKey } from '../../functions/core/rotation/auth-token-rotation.js';
import { mirrorReplicationGroupInto } from '../../local/redis-mirror.js';
import {
  LocalStateMachine,
  type LambdaHandler,
  type LocalExecution,
} from '../../local/runner/local-state-machine.js';
import { createSandbox, type Sandbox } from '../../local/sandbox/index.js';
import type { ElastiCacheModel } from '../../local/sandbox/models/elasticache/index.js';
import type { EventBridgeModel } from '../../local/sandbox/models/eventbridge.js';
import type { SecretsManagerModel } from '../../local/sandbox/models/secrets-manager.js';
import { serviceFault } from '../../local/sandbox/service-error.js';
import { createTables } from '../../local/sandbox/tables.js';
import { runTokenClient } from '../../local/token-client.js';
import { tryAuth } from '../../functions/aws/rotation-probe.js';
import { startRedisServer, type RedisServer } from '../interop/redis-server.js';
import { requireBinary } from '../interop/require-binary.js';
import { clearProbe, lambdaContext, pointProbeAt, secretVersions, secretsClient } from './rotate-fixtures.js';
import { FAULT_MODES, failingOnce } from './fault-matrix.js';
import { captureHandlerLogs } from './handler-logs.js';
import { expectNoPasswordLeak } from './rbac-fixture.js';

const hasRedis = requireBinary('redis-server');

let sandbox: Sandbox;
let model: ElastiCacheModel;
let redis: RedisServer | undefined;
const runs: LocalExecution[] = [];
let handlerLogs: ReturnType<typeof captureHandlerLogs>;
/** The tokens each replication group accepts, as the model settles changes; the most ever held. */
const tokens = new Map<string, readonly string[]>();
let maxTokens = 0;
/** The group whose access the redis-server mirrors (one at a time: redis has one `default`). */
let mirrored = '';

beforeAll(async () => {
  handlerLogs = captureHandlerLogs();
  sandbox = await createSandbox({ speed: 10000 });
  await createTables();
  model = sandbox.model<ElastiCacheModel>('ElastiCache');
  if (hasRedis) {
    redis = await startRedisServer();
    pointProbeAt(redis.port);
  }
  model.onReplicationGroupChanged = async (group, access) => {
    const id = group.ReplicationGroupId ?? '';
    const held = access.mode === 'auth' ? access.tokens : [];
    tokens.set(id, held);
    maxTokens = Math.max(maxTokens, held.length);
    if (redis && id === mirrored) await mirrorReplicationGroupInto(redis, id)(group, access);
  };
});
afterAll(async () => {
  await handlerLogs.stop();
  clearProbe();
  await redis?.stop();
  await sandbox.close();
});

let counter = 0;
const secretArnOf = (id: string) =>
  `arn:aws:secretsmanager:us-east-1:000000000000:secret:cachegate/elasticache/auth-tokens/${id}`;

/** A replication group on AUTH (TLS) and its token secret; the redis-server mirrors it. */
async function seedGroup(prefix = 'tok'): Promise<{ id: string; token: string; secretArn: string }> {
  const id = `${prefix}-cache-${(counter += 1)}`;
  const token = generateAuthToken(40);
  mirrored = id;
  model.seedReplicationGroup({ id, transitEncryption: true, authToken: token });
  await model.settle();
  tokens.set(id, [token]);
  if (redis) {
    await redis.command(['ACL', 'SETUSER', 'default', 'reset', 'on', '~*', '&*', '+@all', `>${token}`]);
  }
  const created = await secretsClient().send(
    new CreateSecretCommand({ Name: `cachegate/elasticache/auth-tokens/${id}`, SecretString: token }),
  );
  return { id, token, secretArn: created.ARN ?? secretArnOf(id) };
}

/** The documented sample input (events/rotate-auth-token.json). */
const SAMPLE = JSON.parse(
  readFileSync(new URL('../../events/rotate-auth-token.json', import.meta.url), 'utf8'),
) as Record<string, unknown>;

async function rotate(
  input: Record<string, unknown>,
  options: { handlers?: Record<string, LambdaHandler>; onState?: (name: string) => void } = {},
): Promise<LocalExecution> {
  const machine = LocalStateMachine.load('rotate-auth-token', {
    sandbox,
    ...(options.handlers ? { handlers: options.handlers } : {}),
    onEvent: (event) => {
      if (event.type === 'StateEntered' && event.state) options.onState?.(event.state.name);
    },
  });
  // The documented sample (events/rotate-auth-token.json), retiring the old token at once.
  const run = await machine.run({ ...SAMPLE, retireAfterHours: 0, ...input });
  runs.push(run);
  return run;
}

/**
 * A client that, again and again, reads the secret's AWSCURRENT and logs in with it: against
 * the model's token list, and with a real `AUTH <token>` when redis runs. Failures never quote a token.
 */
class CurrentTokenClient {
  attempts = 0;
  readonly failures: string[] = [];
  private running = false;
  private loop: Promise<void> | undefined;
  constructor(
    private readonly group: { id: string; secretArn: string },
    private readonly fixedToken?: string,
  ) {}
  start(): void {
    this.running = true;
    this.loop = (async () => {
      while (this.running) {
        await this.once();
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
    })();
  }
  /** Stops the loop; `finalLook` makes one more attempt after the run (AWSCURRENT clients). */
  async stop(finalLook = true): Promise<void> {
    this.running = false;
    await this.loop;
    if (finalLook) await this.once();
  }
  async once(): Promise<void> {
    await model.settle();
    this.attempts += 1;
    let token = this.fixedToken;
    let label = 'the token it holds';
    if (token === undefined) {
      const { SecretString, VersionId } = await secretsClient().send(
        new GetSecretValueCommand({ SecretId: this.group.secretArn }),
      );
      token = SecretString ?? '';
      label = `AWSCURRENT ${VersionId}`;
    }
    if (!(tokens.get(this.group.id) ?? []).includes(token))
      this.failures.push(`${label} is not among the group's tokens`);
    if (redis) {
      const result = await tryAuth({ host: '127.0.0.1', port: redis.port, tls: false }, undefined, token);
      if (result !== 'accepted') this.failures.push(`AUTH with ${label} was refused`);
    }
  }
}

async function tokenOf(secretArn: string, versionId: string): Promise<string> {
  const { SecretString } = await secretsClient().send(
    new GetSecretValueCommand({ SecretId: secretArn, VersionId: versionId }),
  );
  return SecretString ?? '';
}

/** The end state of every successful rotation, whatever failed on the way. */
async function expectRotated(
  run: LocalExecution,
  client: CurrentTokenClient,
  group: { id: string; token: string; secretArn: string },
  versionsBefore: Record<string, string[]>,
): Promise<void> {
  expect(run.status).toBe('SUCCEEDED');
  expect(client.failures).toEqual([]);
  expect(client.attempts).toBeGreaterThan(1);
  const output = run.output as { status: string; versionId: string; previousVersionId: string };
  expect(output.status).toBe('rotated');
  const versions = await secretVersions(group.secretArn);
  const [oldCurrent] = Object.entries(versionsBefore).find(([, s]) => s.includes('AWSCURRENT')) ?? [];
  expect(Object.keys(versions).sort()).toEqual([...Object.keys(versionsBefore), output.versionId].sort());
  expect(versions[output.versionId]).toEqual(['AWSCURRENT']);
  expect(versions[oldCurrent ?? '']).toEqual(['AWSPREVIOUS']);
  expect(output.previousVersionId).toBe(oldCurrent);
  const newToken = await tokenOf(group.secretArn, output.versionId);
  // After SET the group accepts the new token only; never more than two at any time.
  expect(tokens.get(group.id)).toEqual([newToken]);
  expect(maxTokens).toBeLessThanOrEqual(2);
  expect(await currentUserClaim(authTokenClaimKey(group.id))).toBeUndefined();
  if (redis) {
    const endpoint = { host: '127.0.0.1', port: redis.port, tls: false };
    expect(await tryAuth(endpoint, undefined, newToken)).toBe('accepted');
    expect(await tryAuth(endpoint, undefined, group.token)).toBe('rejected');
  }
}

async function rotateWatched(
  group: { id: string; secretArn: string },
  handlers?: Record<string, LambdaHandler>,
): Promise<{ run: LocalExecution; client: CurrentTokenClient }> {
  const client = new CurrentTokenClient(group);
  client.start();
  const run = await rotate(
    { replicationGroupId: group.id, requestId: 'req-token' },
    handlers ? { handlers } : {},
  );
  await client.stop();
  return { run, client };
}

const causeOf = (run: LocalExecution) => {
  try {
    return (JSON.parse(run.cause ?? '') as { errorMessage: string }).errorMessage;
  } catch {
    return run.cause ?? '';
  }
};

describe('rotate-auth-token workflow (real ASL on the local runner)', () => {
  it('ROTATE, verify, promote, SET: a client reading AWSCURRENT never fails; audited; the old token is refused after', async () => {
    const group = await seedGroup();
    const before = await secretVersions(group.secretArn);
    const { run, client } = await rotateWatched(group);
    await expectRotated(run, client, group, before);
    expect(run.output).toMatchObject({
      replicationGroupId: group.id,
      verification: hasRedis ? 'verified' : 'skipped',
      retirement: hasRedis ? 'verified' : 'skipped',
    });
    const audit = sandbox.model<EventBridgeModel>('EventBridge').events;
    const ofGroup = (action: string) =>
      audit.filter(
        (e) =>
          e.detailType === action &&
          (e.detail as { subject: { replicationGroupId: string } }).subject.replicationGroupId === group.id,
      );
    expect(ofGroup('AuthTokenPromoted')).toHaveLength(1);
    expect(ofGroup('AuthTokenRotated').at(-1)?.detail).toMatchObject({
      actor: 'alice',
      requestId: 'req-token',
      subject: { secretArn: group.secretArn, versionId: (run.output as { versionId: string }).versionId },
    });
  });

  it('clients holding either token never fail during the ROTATE window; after SET the old token is refused', async () => {
    const group = await seedGroup('window');
    let oldClient: CurrentTokenClient | undefined;
    let newClient: CurrentTokenClient | undefined;
    let redisOld: Promise<{ rounds: number; ok: number; failures: string[] }> | undefined;
    let redisNew: Promise<{ rounds: number; ok: number; failures: string[] }> | undefined;
    let windowOpen = false;
    let windowStarted: Promise<void> | undefined;
    const real = (
      (await import('../../functions/retire-previous-auth-token/handler.js')) as { handler: LambdaHandler }
    ).handler;
    const run = await rotate(
      { replicationGroupId: group.id, retireAfterHours: 1 },
      {
        // The window ends when SET is sent: the old-token clients finish their last round first
        // (at this clock speed SET settles within milliseconds of being sent).
        handlers: {
          'retire-previous-auth-token': async (event, context) => {
            windowOpen = false;
            await windowStarted;
            await Promise.all([oldClient?.stop(false), redisOld]);
            return real(event, context);
          },
        },
        onState: (name) => {
          if (name === 'WaitBeforeRetiringPreviousToken') {
            windowOpen = true;
            windowStarted = (async () => {
              const stages = await secretVersions(group.secretArn);
              const current = Object.entries(stages).find(([, s]) => s.includes('AWSCURRENT'))?.[0] ?? '';
              const newToken = await tokenOf(group.secretArn, current);
              oldClient = new CurrentTokenClient(group, group.token);
              newClient = new CurrentTokenClient(group, newToken);
              oldClient.start();
              newClient.start();
              if (redis) {
                redisOld = runTokenClient(redis, group.token, { key: 'old', stop: () => !windowOpen });
                redisNew = runTokenClient(redis, newToken, { key: 'new', stop: () => !windowOpen });
              }
            })();
          }
        },
      },
    );
    await windowStarted;
    expect(run.status).toBe('SUCCEEDED');
    expect(newClient).toBeDefined();
    await newClient?.stop();
    expect(oldClient?.failures).toEqual([]);
    expect(oldClient?.attempts).toBeGreaterThan(2);
    expect(newClient?.failures).toEqual([]);
    if (redis) {
      const [old, fresh] = await Promise.all([redisOld, redisNew]);
      expect(old?.failures).toEqual([]);
      expect(fresh?.failures).toEqual([]);
      expect(old?.ok).toBeGreaterThan(0);
      expect(fresh?.ok).toBeGreaterThan(0);
      const endpoint = { host: '127.0.0.1', port: redis.port, tls: false };
      expect(await tryAuth(endpoint, undefined, group.token)).toBe('rejected');
    }
    expect(tokens.get(group.id)).toHaveLength(1);
    expect(tokens.get(group.id)).not.toContain(group.token);
  });

  it('serialises two rotations of one group: the second ends as skipped, naming the holder', async () => {
    const group = await seedGroup('twice');
    // The second starts while the first holds the claim (it has stored its pending token).
    let second: Promise<LocalExecution> | undefined;
    const first = await rotate(
      { replicationGroupId: group.id },
      {
        onState: (name) => {
          if (name === 'RotateInPendingToken' && !second) second = rotate({ replicationGroupId: group.id });
        },
      },
    );
    const other = await second;
    expect((first.output as { status: string }).status).toBe('rotated');
    expect(other?.output).toMatchObject({ status: 'skipped' });
    expect((other?.output as { reason: string }).reason).toMatch(
      /another workflow is changing the AUTH token of .* \(/,
    );
    expect(Object.keys(await secretVersions(group.secretArn))).toHaveLength(2);
  });

  describe('refuses, changing nothing and releasing the claim', () => {
    it.each([
      ['a group on RBAC (no AUTH)', 'rbac', /does not use AUTH|uses RBAC/],
      ['a group without TLS', 'notls', /no in-transit encryption/],
      ['a missing token secret', 'nosecret', /does not exist/],
    ])('%s', async (_, kind, message) => {
      const id = `refuse-${kind}-${(counter += 1)}`;
      if (kind === 'rbac') model.seedReplicationGroup({ id, transitEncryption: true });
      else if (kind === 'notls') model.seedReplicationGroup({ id, transitEncryption: false });
      else model.seedReplicationGroup({ id, transitEncryption: true, authToken: generateAuthToken() });
      await model.settle();
      if (kind !== 'nosecret') {
        await secretsClient().send(
          new CreateSecretCommand({
            Name: `cachegate/elasticache/auth-tokens/${id}`,
            SecretString: generateAuthToken(),
          }),
        );
      }
      const modifies = sandbox.faults.calls('ElastiCache', 'ModifyReplicationGroup');
      const puts = sandbox.faults.calls('Secrets Manager', 'PutSecretValue');
      const run = await rotate({ replicationGroupId: id });
      expect(run.status).toBe('FAILED');
      expect(run.error).toBe('RotateAuthToken.Refused');
      expect(causeOf(run)).toMatch(message);
      expect(sandbox.faults.calls('ElastiCache', 'ModifyReplicationGroup')).toBe(modifies);
      expect(sandbox.faults.calls('Secrets Manager', 'PutSecretValue')).toBe(puts);
      expect(await currentUserClaim(authTokenClaimKey(id))).toBeUndefined();
    });
  });

  describe('fault injection: every step fails on its first attempt, and the rotation still ends right', () => {
    const FUNCTIONS = [
      'begin-auth-token-rotation',
      'store-pending-auth-token',
      'rotate-in-pending-auth-token',
      'check-auth-token-change',
      'verify-auth-tokens',
      'promote-pending-password',
      'publish-auth-token-event',
      'retire-previous-auth-token',
      'release-auth-token-claim',
    ] as const;
    const modes = FAULT_MODES;
    const matrix = FUNCTIONS.flatMap((fn) => modes.map((mode) => [fn, mode] as const));
    it.each(matrix)('%s: %s', async (fn, mode) => {
      const group = await seedGroup('fault');
      const before = await secretVersions(group.secretArn);
      const failing = await failingOnce(fn, mode);
      const { run, client } = await rotateWatched(group, { [fn]: failing.handler });
      expect(failing.calls()).toBeGreaterThanOrEqual(2);
      await expectRotated(run, client, group, before);
    });

    it.each([
      [
        'ModifyReplicationGroup meets InvalidReplicationGroupStateFault',
        () =>
          sandbox.faults.inject({
            service: 'ElastiCache',
            command: 'ModifyReplicationGroup',
            mode: 'throw',
            times: 2,
            error: () => serviceFault(InvalidReplicationGroupStateFault, 'Replication group is modifying.'),
          }),
      ],
      [
        'ModifyReplicationGroup crashes the Lambda after the call',
        () =>
          sandbox.faults.inject({ service: 'ElastiCache', command: 'ModifyReplicationGroup', mode: 'crash' }),
      ],
      [
        'PutSecretValue crashes the Lambda',
        () => sandbox.faults.inject({ service: 'Secrets Manager', command: 'PutSecretValue', mode: 'crash' }),
      ],
      [
        'UpdateSecretVersionStage hangs',
        () =>
          sandbox.faults.inject({
            service: 'Secrets Manager',
            command: 'UpdateSecretVersionStage',
            mode: 'hang',
          }),
      ],
      [
        'the claim write fails',
        () => sandbox.faults.inject({ service: 'DynamoDB', command: 'PutItem', mode: 'throw' }),
      ],
    ] as [string, () => void][])('%s', async (_, inject) => {
      const group = await seedGroup('sdk');
      const before = await secretVersions(group.secretArn);
      inject();
      const { run, client } = await rotateWatched(group);
      sandbox.faults.clear();
      await expectRotated(run, client, group, before);
    });
  });

  it('a failure that outlasts the retries leaves AWSCURRENT working and the claim free; the next run reuses AWSPENDING', async () => {
    const group = await seedGroup('outlast');
    const before = await secretVersions(group.secretArn);
    sandbox.faults.inject({
      service: 'Secrets Manager',
      command: 'UpdateSecretVersionStage',
      mode: 'throw',
      times: 100,
    });
    const client = new CurrentTokenClient(group);
    client.start();
    const failed = await rotate({ replicationGroupId: group.id });
    sandbox.faults.clear();
    await client.stop();
    expect(failed.status).toBe('FAILED');
    expect(failed.error).toBe('RotateAuthToken.Failed');
    expect(client.failures).toEqual([]);
    expect(await currentUserClaim(authTokenClaimKey(group.id))).toBeUndefined();
    const pending = Object.entries(await secretVersions(group.secretArn)).find(([, s]) =>
      s.includes('AWSPENDING'),
    )?.[0];
    expect(pending).toBeDefined();
    const { run, client: second } = await rotateWatched(group);
    expect(run.output).toMatchObject({ versionId: pending });
    await expectRotated(run, second, group, before);
  });

  it('native RotateSecret on a token secret: ROTATE at setSecret, both tokens tried at testSecret, promoted at finishSecret', async () => {
    const group = await seedGroup('native');
    const secrets = sandbox.model<SecretsManagerModel>('Secrets Manager');
    const functionArn = 'arn:aws:lambda:us-east-1:000000000000:function:cachegate-rotate-secret';
    const { handler } = (await import('../../functions/rotate-secret/handler.js')) as unknown as {
      handler: (event: unknown, context: unknown) => Promise<{ outcome: string }>;
    };
    secrets.registerRotationFunction(
      functionArn,
      async (event) => (await handler(event, lambdaContext('cachegate-rotate-secret'))).outcome,
    );
    const before = await secretVersions(group.secretArn);
    const client = new CurrentTokenClient(group);
    const token = randomUUID();
    // A day of simulated time, so the group is surely still modifying when testSecret first looks.
    const modifyDelay = model.delays.replicationGroupModify;
    model.delays.replicationGroupModify = 24 * 3600_000;
    try {
      await secretsClient().send(
        new RotateSecretCommand({
          SecretId: group.secretArn,
          RotationLambdaARN: functionArn,
          ClientRequestToken: token,
        }),
      );
      await client.once();
      // The group is still modifying when testSecret first looks: Secrets Manager tries again later.
      expect(secrets.lastRotation(group.secretArn)).toMatchObject({
        completed: ['createSecret', 'setSecret'],
        failed: { step: 'testSecret', error: expect.stringMatching(/^RotationNotReadyError/) },
      });
      expect(await currentUserClaim(authTokenClaimKey(group.id))).toMatchObject({
        owner: `native-rotation:${token}`,
      });
      sandbox.clock.advance(model.delays.replicationGroupModify);
    } finally {
      model.delays.replicationGroupModify = modifyDelay;
    }
    await client.once();
    expect(await secrets.reattemptRotation(group.secretArn)).toEqual({
      versionId: token,
      completed: ['createSecret', 'setSecret', 'testSecret', 'finishSecret'],
    });
    await client.once();
    expect(client.failures).toEqual([]);
    const versions = await secretVersions(group.secretArn);
    expect(versions[token]).toEqual(['AWSCURRENT', 'CACHEGATE_PASSWORDS_SET']);
    expect(versions[Object.keys(before)[0] ?? '']).toEqual(['AWSPREVIOUS']);
    // Both tokens accepted: the previous one is retired by SET (rotate-auth-token) or the next ROTATE.
    expect([...(tokens.get(group.id) ?? [])].sort()).toEqual(
      [group.token, await tokenOf(group.secretArn, token)].sort(),
    );
    expect(await currentUserClaim(authTokenClaimKey(group.id))).toBeUndefined();
  });

  it('never lets a token into the execution history, outputs, errors, log lines or audit events', () => {
    expect(handlerLogs.lines.join('\n')).toMatch(/previous token retired/);
    expectNoPasswordLeak(sandbox, runs, 60, handlerLogs.lines);
  });
});

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  GetSecretValueCommand,
  PutSecretValueCommand,
  RotateSecretCommand,
} from '@aws-sdk/client-secrets-manager';
import { randomUUID } from 'node:crypto';
import {
  AUDITED_LABEL,
  NATIVE_ROTATION_ACTOR,
  PASSWORDS_SET_LABEL,
} from '../../functions/use-cases/rotation-contract.js';
import type { EventBridgeModel } from '../../local/sandbox/models/eventbridge.js';
import { generatePassword } from '../../functions/core/password-policy.js';
import { handler } from '../../functions/rotate-secret/handler.js';
import { createTables } from '../../local/sandbox/tables.js';
import { createSandbox, type Sandbox } from '../../local/sandbox/index.js';
import type { ElastiCacheModel } from '../../local/sandbox/models/elasticache/index.js';
import type { SecretsManagerModel } from '../../local/sandbox/models/secrets-manager.js';
import {
  lambdaContext,
  PasswordMirror,
  SimulatedClient,
  secretStages,
  secretVersions,
  secretsClient,
  seedRotatableUser,
} from './rotate-fixtures.js';

let sandbox: Sandbox;
let model: ElastiCacheModel;
let mirror: PasswordMirror;
const errors: string[] = [];

beforeAll(async () => {
  sandbox = await createSandbox({ speed: 0 });
  await createTables();
  model = sandbox.model<ElastiCacheModel>('ElastiCache');
  mirror = new PasswordMirror(model).install();
});
afterAll(async () => {
  mirror.uninstall();
  await sandbox.close();
});

const context = lambdaContext('cachegate-rotate-secret');

async function step(Step: string, SecretId: string, ClientRequestToken: string) {
  try {
    return (
      await (handler as unknown as (e: unknown, c: unknown) => Promise<{ outcome: string }>)(
        { Step, SecretId, ClientRequestToken },
        context,
      )
    ).outcome;
  } catch (error) {
    errors.push(`${(error as Error).name}: ${(error as Error).message}`);
    throw error;
  }
}

async function user(prefix: string) {
  const userId = `${prefix}-${randomUUID().slice(0, 8)}`;
  return { userId, ...(await seedRotatableUser(sandbox, userId)) };
}

describe('rotate-secret: the Secrets Manager rotation contract on the sandbox', () => {
  it('createSecret → setSecret → testSecret → finishSecret rotates with no lockout at any moment', async () => {
    const u = await user('sm');
    const before = await secretVersions(u.secretArn);
    const token = randomUUID();
    const client = new SimulatedClient(model, mirror, [u]);
    const probe = () => client.authenticateOnce();

    await step('createSecret', u.secretArn, token);
    await probe();
    expect((await secretStages(u.secretArn))[token]).toEqual(['AWSPENDING']);
    await step('setSecret', u.secretArn, token);
    await probe();
    // The user is modifying: testSecret says "not ready" and Secrets Manager retries later.
    await expect(step('testSecret', u.secretArn, token)).rejects.toMatchObject({
      name: 'RotationNotReadyError',
    });
    // A retried setSecret does not restart the modification.
    const modifies = sandbox.faults.calls('ElastiCache', 'ModifyUser');
    await step('setSecret', u.secretArn, token);
    expect(sandbox.faults.calls('ElastiCache', 'ModifyUser')).toBe(modifies);
    sandbox.clock.advance(model.delays.userModify);
    await probe();
    expect(mirror.passwords.get(u.userId)).toHaveLength(2);
    await step('testSecret', u.secretArn, token);
    await step('finishSecret', u.secretArn, token);
    await probe();

    expect(client.failures).toEqual([]);
    const versions = await secretVersions(u.secretArn);
    const [old] = Object.keys(before);
    expect(versions[token]).toEqual(['AWSCURRENT', AUDITED_LABEL, PASSWORDS_SET_LABEL]);
    expect(versions[old ?? '']).toEqual(['AWSPREVIOUS']);
    // Every step again (Secrets Manager retried the whole rotation): nothing changes.
    for (const s of ['createSecret', 'setSecret', 'testSecret', 'finishSecret']) {
      expect(await step(s, u.secretArn, token)).toMatch(/already AWSCURRENT/);
    }
    expect(await secretVersions(u.secretArn)).toEqual(versions);
    // One audit event for the rotation, naming the version, however often the steps ran.
    const audited = sandbox
      .model<EventBridgeModel>('EventBridge')
      .events.filter((e) => (e.detail as { subject: { userId?: string } }).subject.userId === u.userId);
    expect(audited.map((e) => e.detail)).toEqual([
      expect.objectContaining({
        action: 'PasswordRotated',
        actor: NATIVE_ROTATION_ACTOR,
        subject: expect.objectContaining({ versionId: token, previousVersionId: old }),
      }),
    ]);
  });

  it('native RotateSecret: createSecret fills the empty AWSPENDING version Secrets Manager made, and the rotation completes', async () => {
    const u = await user('sm-native');
    const secrets = sandbox.model<SecretsManagerModel>('Secrets Manager');
    const functionArn = context.invokedFunctionArn;
    secrets.registerRotationFunction(functionArn, (event) =>
      step(event.Step, event.SecretId, event.ClientRequestToken),
    );
    const before = await secretVersions(u.secretArn);
    const client = new SimulatedClient(model, mirror, [u]);
    const token = randomUUID();

    const rotated = await secretsClient().send(
      new RotateSecretCommand({
        SecretId: u.secretArn,
        RotationLambdaARN: functionArn,
        ClientRequestToken: token,
      }),
    );
    await client.authenticateOnce();
    expect(rotated.VersionId).toBe(token);
    // createSecret and setSecret ran; testSecret found the user still modifying.
    expect(secrets.lastRotation(u.secretArn)).toMatchObject({
      completed: ['createSecret', 'setSecret'],
      failed: { step: 'testSecret', error: expect.stringMatching(/^RotationNotReadyError/) },
    });
    expect((await secretStages(u.secretArn))[token]).toEqual(['AWSPENDING', PASSWORDS_SET_LABEL]);
    sandbox.clock.advance(model.delays.userModify);
    await client.authenticateOnce();
    const reattempt = await secrets.reattemptRotation(u.secretArn);
    expect(reattempt).toEqual({
      versionId: token,
      completed: ['createSecret', 'setSecret', 'testSecret', 'finishSecret'],
    });
    await client.authenticateOnce();

    expect(client.failures).toEqual([]);
    const versions = await secretVersions(u.secretArn);
    expect(versions[token]).toEqual(['AWSCURRENT', AUDITED_LABEL, PASSWORDS_SET_LABEL]);
    expect(versions[Object.keys(before)[0] ?? '']).toEqual(['AWSPREVIOUS']);
    expect(mirror.passwords.get(u.userId)).toHaveLength(2);
  });

  it('a createSecret retried after it stored the value keeps the first value', async () => {
    const u = await user('sm-retry');
    const token = randomUUID();
    await step('createSecret', u.secretArn, token);
    const first = await secretsClient().send(
      new GetSecretValueCommand({ SecretId: u.secretArn, VersionId: token }),
    );
    await step('createSecret', u.secretArn, token);
    const second = await secretsClient().send(
      new GetSecretValueCommand({ SecretId: u.secretArn, VersionId: token }),
    );
    expect(second.SecretString).toBe(first.SecretString);
    expect(Object.keys(await secretVersions(u.secretArn))).toHaveLength(2);
  });

  it('refuses a token that is not AWSPENDING, and a second rotation while one is in progress', async () => {
    const u = await user('sm-refuse');
    await expect(step('setSecret', u.secretArn, randomUUID())).rejects.toThrow(/has no stage for rotation/);
    const inProgress = randomUUID();
    await secretsClient().send(
      new PutSecretValueCommand({
        SecretId: u.secretArn,
        ClientRequestToken: inProgress,
        SecretString: JSON.stringify({ username: u.userId, password: generatePassword() }),
        VersionStages: ['AWSPENDING'],
      }),
    );
    await expect(step('createSecret', u.secretArn, randomUUID())).rejects.toThrow(
      /another rotation is in progress/,
    );
    await expect(step('setSecret', 'cachegate/elasticache/users/nobody', randomUUID())).rejects.toThrow(
      /does not exist/,
    );
  });

  it('rejects a malformed event naming the field', async () => {
    await expect(step('rotateEverything', 'x', randomUUID())).rejects.toThrow(/Step/);
    await expect(step('createSecret', 'x', 'short')).rejects.toThrow(/ClientRequestToken/);
  });

  it('no password in any error', () => {
    const passwords = sandbox
      .model<SecretsManagerModel>('Secrets Manager')
      .allSecretStrings()
      .map((s) => (JSON.parse(s) as { password: string }).password);
    const text = errors.join('\n');
    expect(errors.length).toBeGreaterThan(3);
    for (const password of passwords) expect(text.includes(password)).toBe(false);
  });
});

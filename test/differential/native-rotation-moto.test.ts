/**
 * cachegate's rotation function against moto's Secrets Manager: the state RotateSecret leaves
 * for createSecret (the token's AWSPENDING version with no value) comes from an emulator written
 * by others, not from our sandbox. setSecret/testSecret need ElastiCache's ModifyUser, which moto
 * does not implement; the sandbox test (test/workflows/rotate-secret.test.ts) runs all four.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  RotateSecretCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { randomUUID } from 'node:crypto';
import { storeSecretVersion } from '../../functions/aws/secrets.js';
import { generatePassword } from '../../functions/core/password-policy.js';
import {
  isManagedUserSecret,
  userSecretName,
  userSecretTags,
} from '../../functions/core/rbac/user-secret.js';
import { handler } from '../../functions/rotate-secret/handler.js';
import { createTables } from '../../local/sandbox/tables.js';
import { lambdaContext } from '../workflows/rotate-fixtures.js';
import { motoAvailable, startMotoServer, type MotoServer } from './moto-server.js';

const describeIf = motoAvailable() ? describe : describe.skip;

describeIf('rotate-secret on moto: native RotateSecret', () => {
  let moto: MotoServer;
  let secrets: SecretsManagerClient;
  beforeAll(async () => {
    moto = await startMotoServer();
    moto.installForAdapters();
    // The rotation function holds the user's claim (DynamoDB) while it works: moto's DynamoDB
    // gets the same tables the stack creates.
    await createTables();
    secrets = new SecretsManagerClient(moto.clientConfig);
  });
  afterAll(async () => {
    secrets?.destroy();
    await moto?.stop();
  });

  const step = (Step: string, SecretId: string, ClientRequestToken: string) =>
    (handler as unknown as (e: unknown, c: unknown) => Promise<{ outcome: string }>)(
      { Step, SecretId, ClientRequestToken },
      lambdaContext('cachegate-rotate-secret'),
    );

  it('createSecret stores the new password under the empty AWSPENDING version, finishSecret promotes it', async () => {
    const userId = `native-${randomUUID().slice(0, 8)}`;
    const password = generatePassword();
    const stored = await storeSecretVersion({
      name: userSecretName(userId),
      value: JSON.stringify({ username: userId, password }),
      clientRequestToken: randomUUID(),
      tags: userSecretTags(userId),
      owns: (tags) => isManagedUserSecret(tags, userId),
    });
    const token = randomUUID();
    // moto makes the token's empty AWSPENDING version before it looks the function up; an
    // unknown function then fails the call, leaving exactly the state AWS hands createSecret.
    await expect(
      secrets.send(
        new RotateSecretCommand({
          SecretId: stored.arn,
          ClientRequestToken: token,
          RotationLambdaARN: 'arn:aws:lambda:us-east-1:123456789012:function:cachegate-rotate-secret',
        }),
      ),
    ).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    const described = await secrets.send(new DescribeSecretCommand({ SecretId: stored.arn }));
    expect(described.VersionIdsToStages?.[token]).toEqual(['AWSPENDING']);
    await expect(
      secrets.send(new GetSecretValueCommand({ SecretId: stored.arn, VersionId: token })),
    ).rejects.toMatchObject({ name: 'ResourceNotFoundException' });

    await step('createSecret', stored.arn, token);
    const pending = await secrets.send(new GetSecretValueCommand({ SecretId: stored.arn, VersionId: token }));
    const value = JSON.parse(pending.SecretString ?? '{}') as { username: string; password: string };
    expect(value.username).toBe(userId);
    expect(value.password).not.toBe(password);
    expect(pending.VersionStages).toEqual(['AWSPENDING']);
    // Secrets Manager retries createSecret with the same token: the stored value stays.
    await step('createSecret', stored.arn, token);
    const again = await secrets.send(new GetSecretValueCommand({ SecretId: stored.arn, VersionId: token }));
    expect(again.SecretString).toBe(pending.SecretString);

    await step('finishSecret', stored.arn, token);
    const after = await secrets.send(new DescribeSecretCommand({ SecretId: stored.arn }));
    // finishSecret labels the version it audited (functions/use-cases/rotation-contract.ts).
    expect([...(after.VersionIdsToStages?.[token] ?? [])].sort()).toEqual([
      'AWSCURRENT',
      'CACHEGATE_AUDITED',
    ]);
    expect(after.VersionIdsToStages?.[stored.versionId]).toEqual(['AWSPREVIOUS']);
  });
});

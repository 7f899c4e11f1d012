import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  InvalidParameterException,
  InvalidRequestException,
  PutSecretValueCommand,
  ResourceExistsException,
  ResourceNotFoundException,
  ReplicateSecretToRegionsCommand,
  SecretsManagerClient,
  SecretsManagerServiceException,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import {
  ConditionalCheckFailedException,
  CreateTableCommand,
  DynamoDBClient,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import { createAwsClient } from '../../../functions/aws/clients.js';
import { createSandbox, type Sandbox } from '../../../local/sandbox/index.js';
import { LambdaCrashSignal } from '../../../local/sandbox/faults.js';

let sandbox: Sandbox;
let secrets: SecretsManagerClient;

beforeAll(async () => {
  sandbox = await createSandbox();
  secrets = createAwsClient(SecretsManagerClient, {});
});
afterAll(async () => sandbox.close());

const token = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

describe('sandbox routing', () => {
  it('rejects an unmodelled command with an error naming service and command', async () => {
    await expect(
      secrets.send(new ReplicateSecretToRegionsCommand({ SecretId: 'x', AddReplicaRegions: [] })),
    ).rejects.toThrow(/Secrets Manager\.ReplicateSecretToRegions is not modelled/);
  });

  it('returns $metadata and raises the SDK modeled exception classes', async () => {
    const created = await secrets.send(
      new CreateSecretCommand({ Name: 'app/one', SecretString: 's3cret-one' }),
    );
    expect(created.ARN).toMatch(
      /^arn:aws:secretsmanager:us-east-1:000000000000:secret:app\/one-[0-9a-f]{6}$/,
    );
    expect(created.$metadata.httpStatusCode).toBe(200);
    const error = await secrets
      .send(new CreateSecretCommand({ Name: 'app/one', SecretString: 'x' }))
      .catch((e) => e);
    expect(error).toBeInstanceOf(ResourceExistsException);
    expect(error).toBeInstanceOf(SecretsManagerServiceException);
    expect(error.name).toBe('ResourceExistsException');
    expect(error.$fault).toBe('client');
    expect(error.$metadata.httpStatusCode).toBe(400);
    expect(String(error.message)).not.toContain('s3cret-one');
  });
});

describe('Secrets Manager model', () => {
  it('moves AWSCURRENT to a new version and hands AWSPREVIOUS to the old one', async () => {
    const { ARN, VersionId: v1 } = await secrets.send(
      new CreateSecretCommand({ Name: 'rot/user', SecretString: 'one', ClientRequestToken: token(1) }),
    );
    await secrets.send(
      new PutSecretValueCommand({
        SecretId: ARN,
        SecretString: 'two',
        ClientRequestToken: token(2),
        VersionStages: ['AWSPENDING'],
      }),
    );
    // Retrying the same token with the same value is a no-op; with another value it is refused.
    await secrets.send(
      new PutSecretValueCommand({
        SecretId: ARN,
        SecretString: 'two',
        ClientRequestToken: token(2),
        VersionStages: ['AWSPENDING'],
      }),
    );
    await expect(
      secrets.send(
        new PutSecretValueCommand({ SecretId: ARN, SecretString: 'other', ClientRequestToken: token(2) }),
      ),
    ).rejects.toBeInstanceOf(ResourceExistsException);
    // Moving AWSCURRENT without naming its holder is refused, as on AWS.
    await expect(
      secrets.send(
        new UpdateSecretVersionStageCommand({
          SecretId: ARN,
          VersionStage: 'AWSCURRENT',
          MoveToVersionId: token(2),
        }),
      ),
    ).rejects.toBeInstanceOf(InvalidParameterException);
    await secrets.send(
      new UpdateSecretVersionStageCommand({
        SecretId: ARN,
        VersionStage: 'AWSCURRENT',
        MoveToVersionId: token(2),
        RemoveFromVersionId: v1,
      }),
    );
    const described = await secrets.send(new DescribeSecretCommand({ SecretId: 'rot/user' }));
    expect(described.VersionIdsToStages).toEqual({
      [token(1)]: ['AWSPREVIOUS'],
      [token(2)]: ['AWSPENDING', 'AWSCURRENT'],
    });
    const current = await secrets.send(new GetSecretValueCommand({ SecretId: ARN }));
    expect(current.SecretString).toBe('two');
    const previous = await secrets.send(
      new GetSecretValueCommand({ SecretId: ARN, VersionStage: 'AWSPREVIOUS' }),
    );
    expect(previous.SecretString).toBe('one');
  });

  it('keeps a deleted secret through its recovery window on the sandbox clock', async () => {
    await secrets.send(new CreateSecretCommand({ Name: 'gone/soon', SecretString: 'x' }));
    await secrets.send(new DeleteSecretCommand({ SecretId: 'gone/soon', RecoveryWindowInDays: 7 }));
    await expect(secrets.send(new GetSecretValueCommand({ SecretId: 'gone/soon' }))).rejects.toBeInstanceOf(
      InvalidRequestException,
    );
    sandbox.clock.advance(7 * 86_400_000);
    await expect(secrets.send(new DescribeSecretCommand({ SecretId: 'gone/soon' }))).rejects.toBeInstanceOf(
      ResourceNotFoundException,
    );
  });
});

describe('fault injection', () => {
  it('throws on the nth call only', async () => {
    await secrets.send(new CreateSecretCommand({ Name: 'faulty', SecretString: 'x' }));
    sandbox.faults.inject({ service: 'Secrets Manager', command: 'GetSecretValue', nth: 2, mode: 'throw' });
    await expect(secrets.send(new GetSecretValueCommand({ SecretId: 'faulty' }))).resolves.toBeDefined();
    const error = await secrets.send(new GetSecretValueCommand({ SecretId: 'faulty' })).catch((e) => e);
    expect(error.name).toBe('InternalFailure');
    expect(error.$fault).toBe('server');
    await expect(secrets.send(new GetSecretValueCommand({ SecretId: 'faulty' }))).resolves.toBeDefined();
  });

  it('crashes the calling Lambda and hangs on request', async () => {
    sandbox.faults.inject({ service: 'Secrets Manager', command: 'DescribeSecret', mode: 'crash' });
    await expect(secrets.send(new DescribeSecretCommand({ SecretId: 'faulty' }))).rejects.toBeInstanceOf(
      LambdaCrashSignal,
    );
    sandbox.faults.inject({ service: 'Secrets Manager', command: 'DescribeSecret', mode: 'hang' });
    const outcome = await Promise.race([
      secrets.send(new DescribeSecretCommand({ SecretId: 'faulty' })).then(() => 'answered'),
      new Promise((resolve) => setTimeout(() => resolve('still hanging'), 100)),
    ]);
    expect(outcome).toBe('still hanging');
    sandbox.faults.clear();
  });
});

describe('DynamoDB on dynalite', () => {
  it('enforces conditional writes', async () => {
    const ddb = createAwsClient(DynamoDBClient, {});
    await ddb.send(
      new CreateTableCommand({
        TableName: 'cond',
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
    const put = () =>
      ddb.send(
        new PutItemCommand({
          TableName: 'cond',
          Item: { pk: { S: 'a' } },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    await put();
    await expect(put()).rejects.toBeInstanceOf(ConditionalCheckFailedException);
  });
});

/**
 * Secrets Manager: the sandbox against moto_server, call for call (see differential.ts). The
 * cases cover what cachegate relies on: versions and labels through a rotation, idempotent
 * retries, deletion and restore, lookups by name and ARN, ListSecrets filters, tags and the
 * state RotateSecret leaves for the rotation function.
 */
import { afterAll, beforeAll, describe } from '@jest/globals';
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  ListSecretsCommand,
  ListSecretVersionIdsCommand,
  PutSecretValueCommand,
  RestoreSecretCommand,
  RotateSecretCommand,
  SecretsManagerClient,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateSecretVersionStageCommand,
  type Filter,
} from '@aws-sdk/client-secrets-manager';
import { createSandbox, type Sandbox } from '../../local/sandbox/index.js';
import { attachSandboxRouting } from '../../local/sandbox/sandbox.js';
import type { SecretsManagerModel } from '../../local/sandbox/models/secrets-manager.js';
import { attempt, differentialCases, type DifferentialCase, type Outcome } from './differential.js';
import { motoAvailable, startMotoServer, type MotoServer } from './moto-server.js';

type Sm = SecretsManagerClient;
const LAMBDA = 'arn:aws:lambda:us-east-1:123456789012:function:differential-rotation';

/** A token (version ID) per name within a case: the same on both sides. */
function tokens(ns: string) {
  const hex = Buffer.from(ns).toString('hex').padEnd(12, '0').slice(0, 12);
  return (n: number) => `00000000-0000-4000-8${String(n).padStart(3, '0')}-${hex}`;
}

/**
 * Which labels each version holds, with version IDs named by the case's tokens. Versions with no
 * label are left out (moto lists them with none; the case "DescribeSecret lists only versions
 * with labels" pins that difference once).
 */
async function labels(sm: Sm, id: string, t: (n: number) => string): Promise<Outcome> {
  const { VersionIdsToStages = {} } = await sm.send(new DescribeSecretCommand({ SecretId: id }));
  const named = Object.entries(VersionIdsToStages)
    .filter(([, stages]) => stages.length > 0)
    .map(([versionId, stages]) => {
      const n = [1, 2, 3, 4, 5].find((i) => t(i) === versionId);
      return [n === undefined ? 'generated' : `t${n}`, [...stages].sort()] as const;
    });
  return Object.fromEntries(named.sort(([a], [b]) => a.localeCompare(b)));
}

const value = (sm: Sm, input: { SecretId: string; VersionId?: string; VersionStage?: string }) =>
  attempt(sm.send(new GetSecretValueCommand(input)), (o) => o.SecretString);

async function withSecret(sm: Sm, name: string, t: (n: number) => string, secret = 'v1'): Promise<string> {
  const created = await sm.send(
    new CreateSecretCommand({ Name: name, SecretString: secret, ClientRequestToken: t(1) }),
  );
  return created.ARN ?? '';
}

const put = (sm: Sm, id: string, token: string, secret: string, stages?: string[]) =>
  sm.send(
    new PutSecretValueCommand({
      SecretId: id,
      ClientRequestToken: token,
      SecretString: secret,
      ...(stages ? { VersionStages: stages } : {}),
    }),
  );

/**
 * A case on one secret, `<ns>/s`, created with the value `v1` under token 1: the set-up most
 * cases share, done here once.
 */
function secretCase(c: {
  name: string;
  differs?: DifferentialCase<Sm>['differs'];
  run(context: { sm: Sm; ns: string; id: string; t: (n: number) => string }): Promise<Outcome>;
}): DifferentialCase<Sm> {
  return {
    name: c.name,
    ...(c.differs ? { differs: c.differs } : {}),
    run: async (sm, ns) => {
      const t = tokens(ns);
      const id = `${ns}/s`;
      await withSecret(sm, id, t);
      return c.run({ sm, ns, id, t });
    },
  };
}

/** RotateSecret with the differential's rotation function, under `token`. */
const rotate = (sm: Sm, id: string, token: string, rules?: { AutomaticallyAfterDays: number }) =>
  sm.send(
    new RotateSecretCommand({
      SecretId: id,
      ClientRequestToken: token,
      RotationLambdaARN: LAMBDA,
      ...(rules ? { RotationRules: rules } : {}),
    }),
  );

/** UpdateSecretVersionStage: `stage` onto version `to` and/or off version `from`. */
const moveStage = (sm: Sm, id: string, stage: string, move: { to?: string; from?: string }) =>
  sm.send(
    new UpdateSecretVersionStageCommand({
      SecretId: id,
      VersionStage: stage,
      ...(move.to ? { MoveToVersionId: move.to } : {}),
      ...(move.from ? { RemoveFromVersionId: move.from } : {}),
    }),
  );

async function listed(sm: Sm, ns: string, filters: Filter[], includePlannedDeletion = false) {
  const { SecretList = [] } = await sm.send(
    new ListSecretsCommand({
      Filters: filters,
      ...(includePlannedDeletion ? { IncludePlannedDeletion: true } : {}),
      MaxResults: 100,
    }),
  );
  return SecretList.map((s) => s.Name ?? '')
    .filter((name) => name.startsWith(`${ns}/`))
    .map((name) => name.slice(ns.length + 1))
    .sort();
}

/** Three secrets with names, descriptions and tags for the ListSecrets filter cases. */
async function listFixture(sm: Sm, ns: string): Promise<void> {
  const make = (name: string, description: string, tags: Record<string, string>) =>
    sm.send(
      new CreateSecretCommand({
        Name: `${ns}/${name}`,
        SecretString: 'x',
        Description: description,
        Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
      }),
    );
  await make('app-alpha', 'Orders Cache user', { 'cachegate:user-id': 'alpha', team: 'orders' });
  await make('app-beta', 'payments cache user', { 'cachegate:user-id': 'beta', team: 'payments' });
  await make('other', 'Something else', { owner: 'ops' });
}

const cases: DifferentialCase<Sm>[] = [
  secretCase({
    name: 'CreateSecret with a value: that version is AWSCURRENT',
    run: async ({ sm, id, t }) => {
      return { labels: await labels(sm, id, t), value: await value(sm, { SecretId: id }) };
    },
  }),
  {
    name: 'CreateSecret without a value: no version, GetSecretValue finds none',
    run: async (sm, ns) => {
      await sm.send(new CreateSecretCommand({ Name: `${ns}/s` }));
      return {
        labels: await labels(sm, `${ns}/s`, tokens(ns)),
        value: await value(sm, { SecretId: `${ns}/s` }),
      };
    },
  },
  {
    name: 'the first value put into a secret created without one gets AWSCURRENT (even when AWSPENDING is asked)',
    run: async (sm, ns) => {
      const t = tokens(ns);
      await sm.send(new CreateSecretCommand({ Name: `${ns}/s` }));
      await put(sm, `${ns}/s`, t(1), 'first', ['AWSPENDING']);
      return labels(sm, `${ns}/s`, t);
    },
  },
  {
    name: 'the first value put with default stages is AWSCURRENT',
    run: async (sm, ns) => {
      const t = tokens(ns);
      await sm.send(new CreateSecretCommand({ Name: `${ns}/s` }));
      await put(sm, `${ns}/s`, t(1), 'first');
      return { labels: await labels(sm, `${ns}/s`, t), value: await value(sm, { SecretId: `${ns}/s` }) };
    },
  },
  secretCase({
    name: 'a second value takes AWSCURRENT and hands AWSPREVIOUS to the first',
    run: async ({ sm, id, t }) => {
      await put(sm, id, t(2), 'v2');
      return labels(sm, id, t);
    },
  }),
  secretCase({
    name: 'a third value: AWSPREVIOUS moves on, the first version keeps no label',
    run: async ({ sm, id, t }) => {
      await put(sm, id, t(2), 'v2');
      await put(sm, id, t(3), 'v3');
      return labels(sm, id, t);
    },
  }),
  secretCase({
    name: 'DescribeSecret lists only versions with labels',
    differs: {
      aws: 2,
      reason: 'moto lists the version that lost every label, with no label',
      source:
        'Secrets Manager API reference, DescribeSecret VersionIdsToStages: "A list of the versions of the secret that have staging labels attached"',
    },
    run: async ({ sm, id, t }) => {
      await put(sm, id, t(2), 'v2');
      await put(sm, id, t(3), 'v3');
      const { VersionIdsToStages = {} } = await sm.send(new DescribeSecretCommand({ SecretId: id }));
      return Object.keys(VersionIdsToStages).length;
    },
  }),
  secretCase({
    name: 'ListSecretVersionIds leaves out unlabelled versions unless IncludeDeprecated',
    differs: {
      aws: { active: 2, all: 3 },
      reason: 'moto lists every version without IncludeDeprecated',
      source:
        'Secrets Manager API reference, ListSecretVersionIds IncludeDeprecated: "By default, versions without staging labels aren\'t included"',
    },
    run: async ({ sm, id, t }) => {
      await put(sm, id, t(2), 'v2');
      await put(sm, id, t(3), 'v3');
      const count = async (IncludeDeprecated: boolean) =>
        (await sm.send(new ListSecretVersionIdsCommand({ SecretId: id, IncludeDeprecated }))).Versions
          ?.length;
      return { active: await count(false), all: await count(true) };
    },
  }),
  secretCase({
    name: 'PutSecretValue retried with the same token and value is the same version',
    run: async ({ sm, id, t }) => {
      const first = await put(sm, id, t(2), 'v2', ['AWSPENDING']);
      const again = await put(sm, id, t(2), 'v2', ['AWSPENDING']);
      return {
        same: first.VersionId === again.VersionId,
        stages: [...(again.VersionStages ?? [])].sort(),
        labels: await labels(sm, id, t),
      };
    },
  }),
  secretCase({
    name: 'PutSecretValue with a used token and another value fails with ResourceExistsException',
    run: async ({ sm, id, t }) => {
      await put(sm, id, t(2), 'v2');
      return attempt(put(sm, id, t(2), 'different'));
    },
  }),
  secretCase({
    name: 'CreateSecret on an existing name fails with ResourceExistsException',
    run: async ({ sm, id, t }) => {
      return attempt(
        sm.send(new CreateSecretCommand({ Name: id, SecretString: 'other', ClientRequestToken: t(2) })),
      );
    },
  }),
  secretCase({
    name: 'PutSecretValue without a value fails',
    run: async ({ sm, id, t }) => {
      return attempt(sm.send(new PutSecretValueCommand({ SecretId: id, ClientRequestToken: t(2) })));
    },
  }),
  secretCase({
    name: 'a ClientRequestToken shorter than 32 characters is refused',
    run: async ({ sm, id }) => {
      return attempt(put(sm, id, 'short-token', 'v2'));
    },
  }),
  secretCase({
    name: 'an AWSPENDING version leaves AWSCURRENT where it is',
    run: async ({ sm, id, t }) => {
      await put(sm, id, t(2), 'pending', ['AWSPENDING']);
      return {
        labels: await labels(sm, id, t),
        current: await value(sm, { SecretId: id }),
        pending: await value(sm, { SecretId: id, VersionStage: 'AWSPENDING' }),
      };
    },
  }),
  secretCase({
    name: 'moving AWSCURRENT onto the pending version hands AWSPREVIOUS to the old current',
    run: async ({ sm, id, t }) => {
      await put(sm, id, t(2), 'pending', ['AWSPENDING']);
      await moveStage(sm, id, 'AWSCURRENT', { to: t(2), from: t(1) });
      return labels(sm, id, t);
    },
  }),
  secretCase({
    name: 'moving a label that sits on another version without RemoveFromVersionId is refused',
    run: async ({ sm, id, t }) => {
      await put(sm, id, t(2), 'pending', ['AWSPENDING']);
      return attempt(moveStage(sm, id, 'AWSCURRENT', { to: t(2) }));
    },
  }),
  secretCase({
    name: 'cachegate’s promotion: AWSCURRENT onto the pending version, then AWSPENDING removed',
    run: async ({ sm, id, t }) => {
      await put(sm, id, t(2), 'v2');
      await put(sm, id, t(3), 'pending', ['AWSPENDING']);
      await moveStage(sm, id, 'AWSCURRENT', { to: t(3), from: t(2) });
      await moveStage(sm, id, 'AWSPENDING', { from: t(3) });
      return {
        labels: await labels(sm, id, t),
        previous: await value(sm, { SecretId: id, VersionStage: 'AWSPREVIOUS' }),
      };
    },
  }),
  secretCase({
    name: 'removing AWSPENDING alone takes the label off',
    run: async ({ sm, id, t }) => {
      await put(sm, id, t(2), 'pending', ['AWSPENDING']);
      await moveStage(sm, id, 'AWSPENDING', { from: t(2) });
      return labels(sm, id, t);
    },
  }),
  secretCase({
    name: 'a custom label moves between versions with RemoveFromVersionId',
    run: async ({ sm, id, t }) => {
      await put(sm, id, t(2), 'v2');
      await moveStage(sm, id, 'MARK', { to: t(1) });
      await moveStage(sm, id, 'MARK', { to: t(2), from: t(1) });
      return labels(sm, id, t);
    },
  }),
  secretCase({
    name: 'a label put on a second version by PutSecretValue leaves the first',
    run: async ({ sm, id, t }) => {
      await put(sm, id, t(2), 'v2', ['MARK']);
      await put(sm, id, t(3), 'v3', ['MARK']);
      return labels(sm, id, t);
    },
  }),
  secretCase({
    name: 'GetSecretValue by AWSPREVIOUS',
    run: async ({ sm, id, t }) => {
      await put(sm, id, t(2), 'v2');
      return value(sm, { SecretId: id, VersionStage: 'AWSPREVIOUS' });
    },
  }),
  secretCase({
    name: 'GetSecretValue by version ID',
    run: async ({ sm, id, t }) => {
      await put(sm, id, t(2), 'v2');
      return value(sm, { SecretId: id, VersionId: t(1) });
    },
  }),
  secretCase({
    name: 'GetSecretValue of an unknown version ID fails with ResourceNotFoundException',
    run: async ({ sm, id, t }) => {
      return value(sm, { SecretId: id, VersionId: t(5) });
    },
  }),
  secretCase({
    name: 'GetSecretValue of AWSPENDING when no version holds it fails with ResourceNotFoundException',
    run: async ({ sm, id }) => {
      return value(sm, { SecretId: id, VersionStage: 'AWSPENDING' });
    },
  }),
  {
    name: 'lookups by full ARN',
    run: async (sm, ns) => {
      const arn = await withSecret(sm, `${ns}/s`, tokens(ns));
      return value(sm, { SecretId: arn });
    },
  },
  {
    name: 'DescribeSecret by full ARN names the secret',
    run: async (sm, ns) => {
      const arn = await withSecret(sm, `${ns}/s`, tokens(ns));
      return attempt(sm.send(new DescribeSecretCommand({ SecretId: arn })), (o) => o.Name);
    },
  },
  {
    name: 'an unknown secret fails with ResourceNotFoundException',
    run: async (sm, ns) => value(sm, { SecretId: `${ns}/missing` }),
  },
  {
    name: 'DescribeSecret of an unknown secret fails with ResourceNotFoundException',
    run: async (sm, ns) => attempt(sm.send(new DescribeSecretCommand({ SecretId: `${ns}/missing` }))),
  },
  secretCase({
    name: 'a secret scheduled for deletion: DescribeSecret shows it, GetSecretValue refuses',
    run: async ({ sm, id }) => {
      await sm.send(new DeleteSecretCommand({ SecretId: id, RecoveryWindowInDays: 7 }));
      const described = await sm.send(new DescribeSecretCommand({ SecretId: id }));
      return {
        deleted: described.DeletedDate !== undefined,
        value: await value(sm, { SecretId: id }),
      };
    },
  }),
  secretCase({
    name: 'PutSecretValue on a secret scheduled for deletion fails with InvalidRequestException',
    differs: {
      aws: { error: 'InvalidRequestException' },
      reason: 'moto stores the value',
      source:
        'Secrets Manager API reference, PutSecretValue errors: InvalidRequestException, "The secret is scheduled for deletion"',
    },
    run: async ({ sm, id, t }) => {
      await sm.send(new DeleteSecretCommand({ SecretId: id, RecoveryWindowInDays: 7 }));
      return attempt(put(sm, id, t(2), 'v2'));
    },
  }),
  secretCase({
    name: 'RestoreSecret makes it readable again with its labels',
    run: async ({ sm, id, t }) => {
      await sm.send(new DeleteSecretCommand({ SecretId: id, RecoveryWindowInDays: 7 }));
      await sm.send(new RestoreSecretCommand({ SecretId: id }));
      return { labels: await labels(sm, id, t), value: await value(sm, { SecretId: id }) };
    },
  }),
  {
    name: 'DeleteSecret without recovery removes it at once',
    run: async (sm, ns) => {
      await withSecret(sm, `${ns}/s`, tokens(ns));
      await sm.send(new DeleteSecretCommand({ SecretId: `${ns}/s`, ForceDeleteWithoutRecovery: true }));
      return attempt(sm.send(new DescribeSecretCommand({ SecretId: `${ns}/s` })));
    },
  },
  {
    name: 'DeleteSecret with both a recovery window and ForceDeleteWithoutRecovery is refused',
    run: async (sm, ns) => {
      await withSecret(sm, `${ns}/s`, tokens(ns));
      return attempt(
        sm.send(
          new DeleteSecretCommand({
            SecretId: `${ns}/s`,
            RecoveryWindowInDays: 7,
            ForceDeleteWithoutRecovery: true,
          }),
        ),
      );
    },
  },
  {
    name: 'a recovery window under 7 days is refused',
    run: async (sm, ns) => {
      await withSecret(sm, `${ns}/s`, tokens(ns));
      return attempt(sm.send(new DeleteSecretCommand({ SecretId: `${ns}/s`, RecoveryWindowInDays: 3 })));
    },
  },
  secretCase({
    name: 'CreateSecret on a name scheduled for deletion fails with InvalidRequestException',
    differs: {
      aws: { error: 'InvalidRequestException' },
      reason: 'moto answers ResourceExistsException',
      source:
        'Secrets Manager API reference, CreateSecret errors: InvalidRequestException, "The secret is scheduled for deletion"',
    },
    run: async ({ sm, id, t }) => {
      await sm.send(new DeleteSecretCommand({ SecretId: id, RecoveryWindowInDays: 7 }));
      return attempt(
        sm.send(new CreateSecretCommand({ Name: id, SecretString: 'again', ClientRequestToken: t(2) })),
      );
    },
  }),
  {
    name: 'ListSecrets name filter: a prefix',
    run: async (sm, ns) => {
      await listFixture(sm, ns);
      return listed(sm, ns, [{ Key: 'name', Values: [`${ns}/app-`] }]);
    },
  },
  {
    name: 'ListSecrets tag-key filter: a prefix',
    run: async (sm, ns) => {
      await listFixture(sm, ns);
      return listed(sm, ns, [{ Key: 'tag-key', Values: ['cachegate:'] }]);
    },
  },
  {
    name: 'ListSecrets tag-value filter',
    run: async (sm, ns) => {
      await listFixture(sm, ns);
      return listed(sm, ns, [{ Key: 'tag-value', Values: ['orders'] }]);
    },
  },
  {
    name: 'ListSecrets description filter: a prefix, not case-sensitive',
    run: async (sm, ns) => {
      await listFixture(sm, ns);
      return listed(sm, ns, [{ Key: 'description', Values: ['orders'] }]);
    },
  },
  {
    name: 'ListSecrets negation: ! excludes the matches',
    differs: {
      aws: ['other'],
      reason: 'moto ignores the ! prefix',
      source:
        'Secrets Manager API reference, Filter Values: "You can prefix your search value with an exclamation mark (!) in order to perform negation filters"',
    },
    run: async (sm, ns) => {
      await listFixture(sm, ns);
      return listed(sm, ns, [
        { Key: 'name', Values: [`${ns}/`] },
        { Key: 'tag-key', Values: ['!cachegate:'] },
      ]);
    },
  },
  {
    name: 'ListSecrets leaves out secrets scheduled for deletion, IncludePlannedDeletion brings them',
    run: async (sm, ns) => {
      await listFixture(sm, ns);
      await sm.send(new DeleteSecretCommand({ SecretId: `${ns}/other`, RecoveryWindowInDays: 7 }));
      const filters = [{ Key: 'name' as const, Values: [`${ns}/`] }];
      return { live: await listed(sm, ns, filters), all: await listed(sm, ns, filters, true) };
    },
  },
  {
    name: 'TagResource then UntagResource',
    run: async (sm, ns) => {
      await withSecret(sm, `${ns}/s`, tokens(ns));
      await sm.send(
        new TagResourceCommand({
          SecretId: `${ns}/s`,
          Tags: [
            { Key: 'a', Value: '1' },
            { Key: 'b', Value: '2' },
          ],
        }),
      );
      await sm.send(new UntagResourceCommand({ SecretId: `${ns}/s`, TagKeys: ['a'] }));
      const { Tags = [] } = await sm.send(new DescribeSecretCommand({ SecretId: `${ns}/s` }));
      return Tags.map((tag) => `${tag.Key}=${tag.Value}`).sort();
    },
  },
  secretCase({
    name: 'RotateSecret: the token’s AWSPENDING version exists with no value before createSecret',
    run: async ({ sm, id, t }) => {
      // The sandbox's function stops at createSecret; moto cannot run one (see motoSide()).
      await attempt(rotate(sm, id, t(2)));
      return {
        labels: await labels(sm, id, t),
        pending: await value(sm, { SecretId: id, VersionId: t(2) }),
        current: await value(sm, { SecretId: id }),
      };
    },
  }),
  secretCase({
    name: 'RotateSecret: createSecret stores the value under the token, as AWS’s templates do',
    run: async ({ sm, id, t }) => {
      await attempt(rotate(sm, id, t(2)));
      const stored = await attempt(put(sm, id, t(2), 'rotated', ['AWSPENDING']), (o) =>
        [...(o.VersionStages ?? [])].sort(),
      );
      return {
        stored,
        labels: await labels(sm, id, t),
        pending: await value(sm, { SecretId: id, VersionStage: 'AWSPENDING' }),
      };
    },
  }),
  secretCase({
    name: 'RotateSecret while a rotation is incomplete is refused',
    differs: {
      aws: { error: 'InvalidRequestException' },
      reason:
        'moto refuses only when AWSPENDING and AWSCURRENT share a version, the opposite of the documented rule',
      source:
        'Secrets Manager API reference, RotateSecret: "If the AWSPENDING staging label is present but not attached to the same version as AWSCURRENT, then any later invocation of RotateSecret assumes that a previous rotation request is still in progress and returns an error"',
    },
    run: async ({ sm, id, t }) => {
      await put(sm, id, t(2), 'pending', ['AWSPENDING']);
      return attempt(rotate(sm, id, t(3)));
    },
  }),
  secretCase({
    name: 'RotateSecret with AutomaticallyAfterDays 0 is refused',
    run: async ({ sm, id, t }) => {
      return attempt(rotate(sm, id, t(2), { AutomaticallyAfterDays: 0 }));
    },
  }),
  secretCase({
    name: 'RotateSecret on a secret scheduled for deletion fails with InvalidRequestException',
    run: async ({ sm, id, t }) => {
      await sm.send(new DeleteSecretCommand({ SecretId: id, RecoveryWindowInDays: 7 }));
      return attempt(rotate(sm, id, t(2)));
    },
  }),
];

const describeIf = motoAvailable() ? describe : describe.skip;

describeIf('differential: Secrets Manager, sandbox vs moto_server', () => {
  let moto: MotoServer;
  let sandbox: Sandbox;
  let clients: { sandbox: Sm; moto: Sm };
  beforeAll(async () => {
    moto = await startMotoServer();
    sandbox = await createSandbox({ dynamoDb: false });
    // The sandbox's rotation function stops at createSecret, so the state RotateSecret made stays
    // to be read, as it does on moto (which looks the function up after making the version).
    sandbox.model<SecretsManagerModel>('Secrets Manager').registerRotationFunction(LAMBDA, async (event) => {
      if (event.Step === 'createSecret') throw new Error('differential: rotation stops at createSecret');
    });
    // The sandbox routes by the client's region and its credentials' account: the defaults it installs.
    const local = new SecretsManagerClient({
      region: sandbox.region,
      credentials: { accessKeyId: 'sandbox', secretAccessKey: 'sandbox' },
    });
    attachSandboxRouting(local);
    clients = { sandbox: local, moto: new SecretsManagerClient(moto.clientConfig) };
  });
  afterAll(async () => {
    await sandbox?.close();
    await moto?.stop();
  });

  differentialCases('sm', 'Secrets Manager', cases, () => clients);
});

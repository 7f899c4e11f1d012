import { beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { buildApp } from '../../infra/app.js';
import { RBAC_WORKFLOWS } from '../../infra/constructs/rbac.js';
import { readAsl } from '../../workflows/asl-files.js';
import { functionNameOf, placeholdersOf } from '../../workflows/placeholders.js';

let template: Template;
/** The Lambdas of the RBAC workflows, from their ASL placeholders. */
const rbacFunctions = [
  ...new Set(
    RBAC_WORKFLOWS.flatMap((name) =>
      placeholdersOf(readAsl(name)).flatMap((placeholder) => functionNameOf(placeholder) ?? []),
    ),
  ),
].sort();

beforeAll(() => {
  // Skip esbuild bundling: assets do not matter to these assertions and bundling is slow.
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  template = Template.fromStack(buildApp(app).stack);
});

type Statement = { Effect: string; Action: string | string[]; Resource: unknown; Condition?: unknown };
type Resource = { Type: string; Properties: Record<string, unknown> };

/** Every statement of every policy attached to the role of Lambda `cachegate-<name>`. */
function statementsOfFunction(name: string): Statement[] {
  const functions = Object.values(template.findResources('AWS::Lambda::Function')) as Resource[];
  const matching = functions.filter((f) => f.Properties.FunctionName === `cachegate-${name}`);
  expect(matching).toHaveLength(1);
  const role = JSON.stringify((matching[0]!.Properties.Role as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0]);
  return (Object.values(template.findResources('AWS::IAM::Policy')) as Resource[])
    .filter((p) => (p.Properties.Roles as { Ref: string }[]).some((r) => JSON.stringify(r.Ref) === role))
    .flatMap((p) => (p.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
}

const actionsOf = (statements: Statement[]) => statements.flatMap((s) => [s.Action].flat()).sort();
const grantsOf = (statements: Statement[], action: string) =>
  statements.filter((s) => [s.Action].flat().includes(action)).map((s) => JSON.stringify(s.Resource));

const USER_ARN = 'arn:",{"Ref":"AWS::Partition"},":elasticache:eu-west-1:111111111111:user:*';
const GROUP_ARN = 'arn:",{"Ref":"AWS::Partition"},":elasticache:eu-west-1:111111111111:usergroup:*';
const REPLICATION_GROUP_ARN =
  'arn:",{"Ref":"AWS::Partition"},":elasticache:eu-west-1:111111111111:replicationgroup:*';
const USER_SECRETS_ARN =
  'arn:",{"Ref":"AWS::Partition"},":secretsmanager:eu-west-1:111111111111:secret:cachegate/elasticache/users/*';
const AUTH_TOKEN_SECRETS_ARN =
  'arn:",{"Ref":"AWS::Partition"},":secretsmanager:eu-west-1:111111111111:secret:cachegate/elasticache/auth-tokens/*';

describe('Rbac construct', () => {
  it('deploys each RBAC workflow from its ASL file, with its Lambdas substituted', () => {
    for (const name of RBAC_WORKFLOWS) {
      template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
        StateMachineName: `cachegate-${name}`,
      });
    }
    const machines = Object.values(template.findResources('AWS::StepFunctions::StateMachine')) as Resource[];
    const onboard = machines.find((m) => m.Properties.StateMachineName === 'cachegate-onboard-user');
    expect(Object.keys(onboard!.Properties.DefinitionSubstitutions as object)).toEqual(
      expect.arrayContaining(['CreateCacheUserFunctionArn', 'AddUserToGroupFunctionArn']),
    );
  });

  it('creates one Lambda per function even when several workflows use it', () => {
    const names = (Object.values(template.findResources('AWS::Lambda::Function')) as Resource[]).map(
      (f) => f.Properties.FunctionName,
    );
    expect(new Set(names).size).toBe(names.length);
    const logGroups = (Object.values(template.findResources('AWS::Logs::LogGroup')) as Resource[]).map(
      (g) => g.Properties.LogGroupName,
    );
    expect(new Set(logGroups).size).toBe(logGroups.length);
    expect(names).toEqual(
      expect.arrayContaining(['cachegate-check-cache-user', 'cachegate-store-user-password']),
    );
  });

  it('create-cache-user may create users (tagged with the run), read their tags and read user and AUTH token secrets, nothing else', () => {
    const statements = statementsOfFunction('create-cache-user');
    expect(actionsOf(statements).filter((a) => !a.startsWith('xray:'))).toEqual([
      'elasticache:AddTagsToResource',
      'elasticache:CreateUser',
      'elasticache:DescribeUsers',
      'elasticache:ListTagsForResource',
      'memorydb:CreateUser',
      'memorydb:DescribeUsers',
      'memorydb:ListTags',
      'memorydb:TagResource',
      'secretsmanager:GetSecretValue',
      'secretsmanager:GetSecretValue',
    ]);
    expect(grantsOf(statements, 'elasticache:CreateUser')).toEqual([expect.stringContaining(USER_ARN)]);
    expect(grantsOf(statements, 'secretsmanager:GetSecretValue')).toEqual([
      expect.stringContaining(USER_SECRETS_ARN),
      expect.stringContaining(AUTH_TOKEN_SECRETS_ARN),
    ]);
  });

  it('only the migration and its finish read AUTH token secrets, and only with GetSecretValue', () => {
    for (const name of rbacFunctions) {
      const onTokens = statementsOfFunction(name).filter((s) =>
        JSON.stringify(s.Resource).includes('auth-tokens'),
      );
      const expected = [
        'create-cache-user',
        'validate-migrate-to-rbac',
        'validate-finish-migration',
        'count-default-connections',
      ].includes(name)
        ? ['secretsmanager:GetSecretValue']
        : [];
      expect([name, actionsOf(onTokens)]).toEqual([name, expected]);
    }
  });

  it('group membership changes are granted on user groups and users only', () => {
    for (const name of ['add-user-to-group', 'remove-user-from-group']) {
      const statements = statementsOfFunction(name);
      const [resources] = grantsOf(statements, 'elasticache:ModifyUserGroup');
      expect(resources).toContain(GROUP_ARN);
      expect(resources).toContain(USER_ARN);
      expect(actionsOf(statements).filter((a) => a.startsWith('secretsmanager:'))).toEqual([]);
    }
  });

  it('only the delete step may delete users, and only the secret steps touch secrets', () => {
    const withAction = (action: string) =>
      rbacFunctions.filter((name) => actionsOf(statementsOfFunction(name)).includes(action));
    expect(withAction('elasticache:DeleteUser')).toEqual(['delete-cache-user']);
    expect(withAction('secretsmanager:CreateSecret')).toEqual(['store-user-password']);
    expect(withAction('secretsmanager:PutSecretValue')).toEqual(['store-user-password']);
    expect(withAction('secretsmanager:DeleteSecret')).toEqual(['schedule-user-secret-deletion']);
    expect(withAction('secretsmanager:GetSecretValue').sort()).toEqual([
      'count-default-connections',
      'create-cache-user',
      'validate-finish-migration',
      'validate-migrate-to-rbac',
    ]);
    expect(withAction('elasticache:ModifyUser')).toEqual(['lock-default-user']);
    for (const name of rbacFunctions) {
      for (const statement of statementsOfFunction(name)) {
        const resources = JSON.stringify(statement.Resource);
        const actions = actionsOf([statement]);
        if (actions.some((a) => a.startsWith('secretsmanager:')))
          expect(resources).toMatch(/cachegate\/elasticache\/(users|auth-tokens)\/\*/);
        if (actions.some((a) => a.startsWith('elasticache:'))) expect(resources).toContain(':elasticache:');
      }
    }
  });

  it('polling and validation steps are read-only', () => {
    for (const name of rbacFunctions.filter((n) => /^(check|validate)-/.test(n))) {
      for (const action of actionsOf(statementsOfFunction(name)).filter((a) => !a.startsWith('xray:')))
        expect(action).toMatch(
          /^((elasticache|memorydb|secretsmanager):Describe|secretsmanager:GetSecretValue)/,
        );
    }
  });

  it('publishes audit events to the audit bus only', () => {
    const statements = statementsOfFunction('publish-user-audit-event');
    expect(actionsOf(statements).filter((a) => !a.startsWith('xray:'))).toEqual(['events:PutEvents']);
    expect(grantsOf(statements, 'events:PutEvents')).toEqual([expect.stringContaining('AuditTrailBus')]);
  });

  it('no policy in the stack has a wildcard action', () => {
    const statements = (Object.values(template.findResources('AWS::IAM::Policy')) as Resource[]).flatMap(
      (p) => (p.Properties.PolicyDocument as { Statement: Statement[] }).Statement,
    );
    for (const action of actionsOf(statements)) expect(action).not.toMatch(/\*/);
  });

  it.each([
    [
      'migrate steps: replication groups',
      'attach-user-group',
      'elasticache:ModifyReplicationGroup',
      REPLICATION_GROUP_ARN,
    ],
    ['migrate steps: user groups', 'create-user-group', 'elasticache:CreateUserGroup', GROUP_ARN],
    ['harden steps: the swap', 'swap-default-user', 'elasticache:ModifyUserGroup', GROUP_ARN],
  ])('%s', (_, name, action, arn) => {
    const [resources] = grantsOf(statementsOfFunction(name), action);
    expect(resources).toContain(arn);
  });

  describe('MemoryDB (config rbac.services includes memorydb)', () => {
    const MEMORYDB_USER_ARN = 'arn:",{"Ref":"AWS::Partition"},":memorydb:eu-west-1:111111111111:user/*';
    const ACL_ARN = 'arn:",{"Ref":"AWS::Partition"},":memorydb:eu-west-1:111111111111:acl/*';
    const MEMORYDB_SECRETS_ARN =
      'arn:",{"Ref":"AWS::Partition"},":secretsmanager:eu-west-1:111111111111:secret:cachegate/memorydb/users/*';

    it('create-cache-user may create MemoryDB users and read MemoryDB user secrets', () => {
      const statements = statementsOfFunction('create-cache-user');
      expect(grantsOf(statements, 'memorydb:CreateUser')).toEqual([
        expect.stringContaining(MEMORYDB_USER_ARN),
      ]);
      const [secrets] = grantsOf(statements, 'secretsmanager:GetSecretValue');
      expect(secrets).toContain(USER_SECRETS_ARN);
      expect(secrets).toContain(MEMORYDB_SECRETS_ARN);
    });

    it('ACL membership changes are granted on ACLs and users only', () => {
      for (const name of ['add-user-to-group', 'remove-user-from-group']) {
        const [resources] = grantsOf(statementsOfFunction(name), 'memorydb:UpdateAcl');
        expect(resources).toContain(ACL_ARN);
        expect(resources).toContain(MEMORYDB_USER_ARN);
        expect(resources).not.toContain(':cluster/');
      }
    });

    it('only the delete step may delete MemoryDB users; MemoryDB grants stop at user/*, acl/* and cluster/*', () => {
      const withAction = (action: string) =>
        rbacFunctions.filter((name) => actionsOf(statementsOfFunction(name)).includes(action));
      expect(withAction('memorydb:DeleteUser')).toEqual(['delete-cache-user']);
      expect(withAction('memorydb:UpdateAcl')).toEqual(['add-user-to-group', 'remove-user-from-group']);
      for (const name of rbacFunctions) {
        for (const statement of statementsOfFunction(name)) {
          if (!actionsOf([statement]).some((a) => a.startsWith('memorydb:'))) continue;
          for (const resource of [statement.Resource].flat()) {
            expect(JSON.stringify(resource)).toMatch(
              /:memorydb:eu-west-1:111111111111:(user|acl|cluster)\/\*/,
            );
          }
        }
      }
    });

    it('harden-default-user steps get no MemoryDB grant', () => {
      for (const name of ['swap-default-user', 'check-default-user-swap', 'validate-harden-default-user']) {
        expect(actionsOf(statementsOfFunction(name)).filter((a) => a.startsWith('memorydb:'))).toEqual([]);
      }
    });

    it('migrate-to-rbac steps get exactly the MemoryDB calls they make; only attach may update a cluster', () => {
      const memoryDbActions = (name: string) =>
        actionsOf(statementsOfFunction(name)).filter((a) => a.startsWith('memorydb:'));
      expect(memoryDbActions('validate-migrate-to-rbac')).toEqual([
        'memorydb:DescribeAcls',
        'memorydb:DescribeClusters',
        'memorydb:DescribeUsers',
      ]);
      expect(memoryDbActions('create-user-group')).toEqual(['memorydb:CreateAcl']);
      expect(memoryDbActions('check-user-group')).toEqual(['memorydb:DescribeAcls']);
      expect(memoryDbActions('attach-user-group')).toEqual([
        'memorydb:DescribeClusters',
        'memorydb:UpdateCluster',
      ]);
      expect(memoryDbActions('check-replication-group')).toEqual(['memorydb:DescribeClusters']);
      const withUpdateCluster = rbacFunctions.filter((name) =>
        actionsOf(statementsOfFunction(name)).includes('memorydb:UpdateCluster'),
      );
      expect(withUpdateCluster).toEqual(['attach-user-group']);
    });

    it('without memorydb in the config no MemoryDB action or secret prefix is granted', () => {
      const example = JSON.parse(
        readFileSync(new URL('../../infra/config/example.json', import.meta.url), 'utf8'),
      ) as Record<string, unknown>;
      delete example.rbac;
      const file = join(mkdtempSync(join(tmpdir(), 'cachegate-rbac-')), 'config.json');
      writeFileSync(file, JSON.stringify(example));
      const app = new App({ context: { 'aws:cdk:bundling-stacks': [], config: file } });
      const policies = JSON.stringify(
        Template.fromStack(buildApp(app).stack).findResources('AWS::IAM::Policy'),
      );
      expect(policies).not.toContain('memorydb');
      expect(policies).toContain('elasticache:CreateUser');
    });
  });
});

describe('IAM user verification through the probe (config rotation.probe.cache)', () => {
  const example = JSON.parse(
    readFileSync(new URL('../../infra/config/example.json', import.meta.url), 'utf8'),
  ) as { rotation: { probe: Record<string, unknown> } };
  const synth = (probe: Record<string, unknown>) => {
    const file = join(mkdtempSync(join(tmpdir(), 'cachegate-rbac-probe-')), 'config.json');
    writeFileSync(file, JSON.stringify({ ...example, rotation: { probe } }));
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [], config: file } });
    return Template.fromStack(buildApp(app).stack);
  };
  const verifier = (t: Template) =>
    (Object.values(t.findResources('AWS::Lambda::Function')) as Resource[]).find(
      (f) => f.Properties.FunctionName === 'cachegate-verify-iam-user',
    )!;

  it('with the probe cache named: verify-iam-user runs in the cache VPC with the endpoint and the cache', () => {
    const t = synth({ ...example.rotation.probe, cache: 'orders-cache' });
    const fn = verifier(t);
    expect(fn.Properties.VpcConfig).toBeDefined();
    expect(JSON.stringify(fn.Properties.Environment)).toContain('"ROTATION_PROBE_CACHE":"orders-cache"');
    expect(JSON.stringify(fn.Properties.Environment)).toContain('"ROTATION_PROBE_ENDPOINT"');
    const groups = t.findResources('AWS::EC2::SecurityGroup') as Record<string, Resource>;
    const [groupId] = Object.entries(groups).find(([, g]) =>
      String(g.Properties.GroupDescription).includes('IAM user verification'),
    )!;
    // Out only to the cache port: signing a token needs no network.
    const egress = (Object.values(t.findResources('AWS::EC2::SecurityGroupEgress')) as Resource[]).filter(
      (r) => JSON.stringify(r.Properties.GroupId).includes(groupId),
    );
    expect(egress.map((r) => [r.Properties.IpProtocol, r.Properties.FromPort, r.Properties.ToPort])).toEqual([
      ['tcp', 6379, 6379],
    ]);
    // No inline rule (not even the default allow-all), nothing in.
    expect(groups[groupId]?.Properties.SecurityGroupEgress).toBeUndefined();
    expect(groups[groupId]?.Properties.SecurityGroupIngress).toBeUndefined();
  });

  it('without it: verify-iam-user stays out of any VPC and reports skipped', () => {
    const fn = verifier(synth(example.rotation.probe));
    expect(fn.Properties.VpcConfig).toBeUndefined();
    expect(JSON.stringify(fn.Properties.Environment ?? {})).not.toContain('ROTATION_PROBE');
  });
});

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { App, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { EventBus } from 'aws-cdk-lib/aws-events';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { AwsSolutionsChecks } from 'cdk-nag';
import { buildApp } from '../../infra/app.js';
import { loadConfig } from '../../infra/config.js';
import { importRotationProbe, Rotation, type RotationProbeConfig } from '../../infra/constructs/rotation.js';
import { WorkflowSchedules } from '../../infra/constructs/schedules.js';
import { repoRoot } from '../../workflows/repo-root.js';

let template: Template;

/** Skip esbuild bundling: assets do not matter to these assertions and bundling is slow. */
const newApp = () => new App({ context: { 'aws:cdk:bundling-stacks': [] } });

beforeAll(() => {
  template = Template.fromStack(buildApp(newApp()).stack);
});

type Statement = { Effect: string; Action: string | string[]; Resource: unknown; Condition?: unknown };
type Resource = { Type: string; Properties: Record<string, unknown> };

const resourcesOf = (t: Template, type: string) => Object.values(t.findResources(type)) as Resource[];

function functionNamed(name: string, t: Template = template): Resource {
  const matching = resourcesOf(t, 'AWS::Lambda::Function').filter(
    (f) => f.Properties.FunctionName === `cachegate-${name}`,
  );
  expect(matching).toHaveLength(1);
  return matching[0]!;
}

function statementsOfFunction(name: string): Statement[] {
  const role = JSON.stringify(
    (functionNamed(name).Properties.Role as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0],
  );
  return (Object.values(template.findResources('AWS::IAM::Policy')) as Resource[])
    .filter((p) => (p.Properties.Roles as { Ref: string }[]).some((r) => JSON.stringify(r.Ref) === role))
    .flatMap((p) => (p.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
}

/** Actions of the function's own grants (X-Ray tracing left out). */
const actionsOf = (name: string) =>
  statementsOfFunction(name)
    .flatMap((s) => [s.Action].flat())
    .filter((a) => !a.startsWith('xray:'))
    .sort();

const USER_SECRETS = 'secretsmanager:eu-west-1:111111111111:secret:cachegate/elasticache/users/*';
const MEMORYDB_USER_SECRETS = 'secretsmanager:eu-west-1:111111111111:secret:cachegate/memorydb/users/*';

describe('Rotation construct', () => {
  it('deploys rotate-password and rotate-all sharing one Lambda per function', () => {
    const machines = (
      Object.values(template.findResources('AWS::StepFunctions::StateMachine')) as Resource[]
    ).map((m) => m.Properties.StateMachineName);
    expect(machines).toEqual(expect.arrayContaining(['cachegate-rotate-password', 'cachegate-rotate-all']));
    const names = (Object.values(template.findResources('AWS::Lambda::Function')) as Resource[]).map(
      (f) => f.Properties.FunctionName,
    );
    for (const name of [
      'begin-password-rotation',
      'promote-pending-password',
      'select-rotation-users',
      'rotate-secret',
    ]) {
      expect(names.filter((n) => n === `cachegate-${name}`)).toHaveLength(1);
    }
  });

  it('schedules rotate-all every 30 days for every user, once per 30-day period', () => {
    // Scheduler, not an EventBridge rule (the stack's rules are the posture and expiry checks').
    expect(JSON.stringify(template.findResources('AWS::Events::Rule'))).not.toMatch(/Rotation/);
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      Name: 'cachegate-rotate-all',
      ScheduleExpression: 'rate(30 days)',
      ScheduleExpressionTimezone: 'UTC',
      Target: Match.objectLike({
        Input: JSON.stringify({
          workflow: 'rotate-all',
          scheduledTime: '<aws.scheduler.scheduled-time>',
          periodMinutes: 30 * 24 * 60,
          input: { selector: { all: true }, requestedBy: 'cachegate-schedule' },
        }),
      }),
    });
  });

  it('deploys rotate-auth-token and schedules it per replication group on AUTH, one run per group and period', () => {
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      StateMachineName: 'cachegate-rotate-auth-token',
    });
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      Name: 'cachegate-rotate-auth-token-legacy-cache',
      ScheduleExpression: 'rate(30 days)',
      Target: Match.objectLike({
        Input: JSON.stringify({
          workflow: 'rotate-auth-token',
          scheduledTime: '<aws.scheduler.scheduled-time>',
          periodMinutes: 30 * 24 * 60,
          key: 'legacy-cache',
          input: { replicationGroupId: 'legacy-cache', requestedBy: 'cachegate-schedule' },
        }),
      }),
    });
  });

  it('grants the token rotation functions only replication-group and AUTH-token-secret actions', () => {
    const TOKEN_SECRETS = 'secret:cachegate/elasticache/auth-tokens/*';
    const resourcesOfFunction = (name: string) =>
      JSON.stringify(statementsOfFunction(name).map((s) => s.Resource));
    for (const name of ['rotate-in-pending-auth-token', 'retire-previous-auth-token']) {
      expect([name, actionsOf(name)]).toEqual([
        name,
        [
          'elasticache:DescribeReplicationGroups',
          'elasticache:ModifyReplicationGroup',
          'secretsmanager:DescribeSecret',
          'secretsmanager:GetSecretValue',
        ],
      ]);
      expect(resourcesOfFunction(name)).toContain(TOKEN_SECRETS);
      expect(resourcesOfFunction(name)).not.toContain('cachegate/elasticache/users/');
    }
    expect(actionsOf('verify-auth-tokens')).toEqual(['secretsmanager:GetSecretValue']);
    expect(resourcesOfFunction('verify-auth-tokens')).toContain(TOKEN_SECRETS);
    expect(actionsOf('check-auth-token-change')).toEqual(['elasticache:DescribeReplicationGroups']);
    expect(actionsOf('store-pending-auth-token')).toEqual([
      'secretsmanager:DescribeSecret',
      'secretsmanager:GetSecretValue',
      'secretsmanager:PutSecretValue',
    ]);
    expect(actionsOf('release-auth-token-claim')).toEqual([
      'dynamodb:DeleteItem',
      'dynamodb:GetItem',
      'dynamodb:PutItem',
    ]);
    expect(actionsOf('publish-auth-token-event')).toEqual(['events:PutEvents']);
  });

  it('lets only Secrets Manager of this account invoke the rotation function', () => {
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Principal: 'secretsmanager.amazonaws.com',
      SourceAccount: '111111111111',
      Action: 'lambda:InvokeFunction',
    });
  });

  // The example config lists memorydb in rbac.services: the MemoryDB grants are there too.
  it('grants each function exactly what it calls', () => {
    expect(actionsOf('begin-password-rotation')).toEqual([
      'dynamodb:DeleteItem',
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'elasticache:DescribeUsers',
      'memorydb:DescribeUsers',
      'secretsmanager:DescribeSecret',
      'secretsmanager:GetSecretValue',
    ]);
    expect(actionsOf('set-rotation-passwords')).toEqual([
      'elasticache:DescribeUsers',
      'elasticache:ModifyUser',
      'memorydb:DescribeUsers',
      'memorydb:UpdateUser',
      // compare-and-set: AWSCURRENT is re-read before the password list is sent
      'secretsmanager:DescribeSecret',
      'secretsmanager:GetSecretValue',
    ]);
    expect(actionsOf('check-rotation-passwords')).toEqual([
      'elasticache:DescribeUsers',
      'memorydb:DescribeUsers',
    ]);
    expect(actionsOf('select-rotation-users')).toEqual([
      'elasticache:DescribeUserGroups',
      'elasticache:DescribeUsers',
      'memorydb:DescribeAcls',
      'memorydb:DescribeUsers',
      'secretsmanager:ListSecrets',
    ]);
    // The same two actions on user secrets and (rotate-auth-token) on AUTH token secrets.
    expect(actionsOf('promote-pending-password')).toEqual([
      'secretsmanager:DescribeSecret',
      'secretsmanager:DescribeSecret',
      'secretsmanager:UpdateSecretVersionStage',
      'secretsmanager:UpdateSecretVersionStage',
    ]);
    expect(actionsOf('abandon-password-rotation')).toEqual([
      'dynamodb:DeleteItem',
      'dynamodb:GetItem',
      'dynamodb:PutItem',
    ]);
    expect(actionsOf('summarise-rotation')).toEqual(['cloudwatch:PutMetricData', 'events:PutEvents']);
    // No rotation function may delete secrets or users, or touch another service's resources
    // (the native rotation function takes the user's claim: the claims table).
    expect(actionsOf('rotate-secret').filter((a) => a.startsWith('dynamodb:'))).toEqual([
      'dynamodb:DeleteItem',
      'dynamodb:GetItem',
      'dynamodb:PutItem',
    ]);
    // The native rotation function also publishes its PasswordRotated audit event.
    expect(actionsOf('rotate-secret').filter((a) => a.startsWith('events:'))).toEqual(['events:PutEvents']);
    for (const name of ['store-pending-password', 'verify-pending-password', 'rotate-secret']) {
      const allowed =
        name === 'rotate-secret'
          ? /^(secretsmanager|elasticache|memorydb|dynamodb|events):/
          : /^(secretsmanager|elasticache|memorydb|dynamodb):/;
      expect(actionsOf(name).every((a) => allowed.test(a))).toBe(true);
      expect(actionsOf(name)).not.toEqual(expect.arrayContaining(['secretsmanager:DeleteSecret']));
    }
  });

  it('scopes secrets to cachegate user secrets and metrics to the cachegate namespace', () => {
    const secretStatements = statementsOfFunction('store-pending-password').filter((s) =>
      [s.Action].flat().some((a) => a.startsWith('secretsmanager:')),
    );
    expect(JSON.stringify(secretStatements.map((s) => s.Resource))).toContain(USER_SECRETS);
    expect(JSON.stringify(secretStatements.map((s) => s.Resource))).toContain(MEMORYDB_USER_SECRETS);
    const metrics = statementsOfFunction('summarise-rotation').find((s) =>
      [s.Action].flat().includes('cloudwatch:PutMetricData'),
    );
    expect(metrics?.Condition).toEqual({ StringEquals: { 'cloudwatch:namespace': 'cachegate' } });
  });
});

const CACHE_SG = 'sg-0a1b2c3d4e5f60719';
const ENDPOINT_SG = 'sg-0a1b2c3d4e5f6071a';
const CACHE_SUBNETS = ['subnet-0a1b2c3d4e5f60711', 'subnet-0a1b2c3d4e5f60712'];
const VPC_ACCESS_POLICY = 'service-role/AWSLambdaVPCAccessExecutionRole';
const ROTATION_FUNCTIONS = [
  'begin-password-rotation',
  'store-pending-password',
  'set-rotation-passwords',
  'check-rotation-passwords',
  'verify-pending-password',
  'promote-pending-password',
  'finish-password-rotation',
  'abandon-password-rotation',
  'select-rotation-users',
  'summarise-rotation',
  'rotate-secret',
  'begin-auth-token-rotation',
  'store-pending-auth-token',
  'rotate-in-pending-auth-token',
  'check-auth-token-change',
  'verify-auth-tokens',
  'retire-previous-auth-token',
  'publish-auth-token-event',
  'release-auth-token-claim',
];
/** The functions that talk to the cache itself: in the cache's VPC with the probe, and only they. */
const PROBE_FUNCTIONS = ['count-default-connections', 'verify-auth-tokens', 'verify-pending-password'];

/** `{"Fn::GetAtt": [<logical ID of the probe's security group>, "GroupId"]}` */
function probeGroupRef(t: Template): unknown {
  const groups = Object.entries(t.findResources('AWS::EC2::SecurityGroup')).filter(([, g]) =>
    String((g as Resource).Properties.GroupDescription).startsWith('cachegate rotation probe'),
  );
  expect(groups).toHaveLength(1);
  return { 'Fn::GetAtt': [groups[0]![0], 'GroupId'] };
}

function roleOf(t: Template, fn: Resource): Resource {
  const roleId = (fn.Properties.Role as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0]!;
  return t.findResources('AWS::IAM::Role')[roleId] as Resource;
}

const hasVpcAccessPolicy = (t: Template, fn: Resource) =>
  JSON.stringify(roleOf(t, fn).Properties.ManagedPolicyArns ?? []).includes(VPC_ACCESS_POLICY);

/** The Rotation construct alone in a stack, as the app builds it (cdk-nag included). */
function rotationOnly(probe?: RotationProbeConfig): { app: App; template: Template } {
  const app = newApp();
  const stack = new Stack(app, 'RotationTest', { env: { account: '111111111111', region: 'eu-west-1' } });
  const logRetention = RetentionDays.ONE_YEAR;
  new Rotation(stack, 'Rotation', {
    auditBus: new EventBus(stack, 'Bus'),
    logRetention,
    schedules: new WorkflowSchedules(stack, 'Schedules', { logRetention }),
    schedule: { expression: 'rate(30 days)', timeZone: 'UTC' },
    ...(probe
      ? {
          probe: importRotationProbe(stack, probe, {
            vpc: { vpcId: 'vpc-0a1b2c3d4e5f60718', cidrBlocks: ['10.0.0.0/16'] },
            cacheSubnets: CACHE_SUBNETS.map((subnetId, i) => ({
              subnetId,
              availabilityZone: `eu-west-1${'ab'[i]}`,
              cidr: `10.0.${i + 1}.0/24`,
            })),
            cacheSecurityGroupId: CACHE_SG,
          }),
        }
      : {}),
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, template: Template.fromStack(stack) };
}

describe('Rotation probe in the cache VPC', () => {
  it.each(PROBE_FUNCTIONS)(
    'runs %s in the cache subnets behind the probe security group, with the endpoint',
    (name) => {
      const fn = functionNamed(name);
      expect(fn.Properties.VpcConfig).toEqual({
        SubnetIds: CACHE_SUBNETS,
        SecurityGroupIds: [probeGroupRef(template)],
      });
      expect(fn.Properties.Environment).toEqual({
        Variables: expect.objectContaining({
          ROTATION_PROBE_ENDPOINT: 'master.orders-cache.abc123.euw1.cache.amazonaws.com:6379',
        }),
      });
      expect(hasVpcAccessPolicy(template, fn)).toBe(true);
    },
  );

  it('keeps every other rotation function out of the VPC, without the endpoint or VPC permissions', () => {
    for (const name of ROTATION_FUNCTIONS.filter((n) => !PROBE_FUNCTIONS.includes(n))) {
      const fn = functionNamed(name);
      expect([name, fn.Properties.VpcConfig]).toEqual([name, undefined]);
      expect([name, JSON.stringify(fn.Properties.Environment)]).not.toEqual([
        name,
        expect.stringContaining('ROTATION_PROBE_ENDPOINT'),
      ]);
      expect([name, hasVpcAccessPolicy(template, fn)]).toEqual([name, false]);
    }
    const inVpc = resourcesOf(template, 'AWS::Lambda::Function').filter((f) => f.Properties.VpcConfig);
    expect(inVpc.map((f) => f.Properties.FunctionName).sort()).toEqual(
      PROBE_FUNCTIONS.map((name) => `cachegate-${name}`),
    );
  });

  it('opens the cache port on the cache security group to the probe group only, never to 0.0.0.0/0', () => {
    const probe = probeGroupRef(template);
    const toCache = resourcesOf(template, 'AWS::EC2::SecurityGroupIngress').filter(
      (r) => r.Properties.GroupId === CACHE_SG,
    );
    const fromProbe = toCache.filter(
      (r) => JSON.stringify(r.Properties.SourceSecurityGroupId) === JSON.stringify(probe),
    );
    expect(
      fromProbe.map((r) => [r.Properties.IpProtocol, r.Properties.FromPort, r.Properties.ToPort]),
    ).toEqual([['tcp', 6379, 6379]]);
    expect(JSON.stringify(toCache)).not.toContain('0.0.0.0/0');
    expect(
      toCache.every((r) => r.Properties.CidrIp === undefined && r.Properties.SourceSecurityGroupId),
    ).toBe(true);
  });

  it('lets the probe out only to the cache port and the Secrets Manager endpoint, and nothing in', () => {
    const probe = probeGroupRef(template);
    const [group] = Object.entries(template.findResources('AWS::EC2::SecurityGroup'))
      .filter(([id]) => JSON.stringify({ 'Fn::GetAtt': [id, 'GroupId'] }) === JSON.stringify(probe))
      .map(([, g]) => (g as Resource).Properties);
    expect(group?.SecurityGroupIngress).toBeUndefined();
    // No inline rule (not even the default allow-all); each egress is a rule resource to one group.
    expect(group?.SecurityGroupEgress).toBeUndefined();
    const egress = resourcesOf(template, 'AWS::EC2::SecurityGroupEgress')
      .filter((r) => JSON.stringify(r.Properties.GroupId) === JSON.stringify(probe))
      .map((r) => [r.Properties.DestinationSecurityGroupId, r.Properties.FromPort, r.Properties.ToPort]);
    expect(egress.sort()).toEqual(
      [
        [ENDPOINT_SG, 443, 443],
        [CACHE_SG, 6379, 6379],
      ].sort(),
    );
    const endpointIngress = resourcesOf(template, 'AWS::EC2::SecurityGroupIngress').filter(
      (r) => r.Properties.GroupId === ENDPOINT_SG,
    );
    expect(endpointIngress.map((r) => [r.Properties.SourceSecurityGroupId, r.Properties.FromPort])).toEqual([
      [probe, 443],
    ]);
  });

  it('with a NAT: HTTPS out to anywhere for Secrets Manager, the given subnets, and still cdk-nag clean', () => {
    const built = rotationOnly({
      endpoint: 'cache.internal.example:6380',
      subnetIds: ['subnet-0a1b2c3d4e5f607aa'],
      secretsManager: { via: 'nat' },
    });
    const verify = functionNamed('verify-pending-password', built.template);
    expect(verify.Properties.VpcConfig).toEqual({
      SubnetIds: ['subnet-0a1b2c3d4e5f607aa'],
      SecurityGroupIds: [probeGroupRef(built.template)],
    });
    built.template.hasResourceProperties('AWS::EC2::SecurityGroup', {
      GroupDescription: Match.stringLikeRegexp('^cachegate rotation probe'),
      SecurityGroupEgress: [
        Match.objectLike({ CidrIp: '0.0.0.0/0', IpProtocol: 'tcp', FromPort: 443, ToPort: 443 }),
      ],
    });
    built.template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      GroupId: CACHE_SG,
      SourceSecurityGroupId: probeGroupRef(built.template),
      FromPort: 6380,
      ToPort: 6380,
    });
    built.template.resourceCountIs('AWS::EC2::SecurityGroupIngress', 1);
    expect(() => built.app.synth()).not.toThrow();
  });

  it('without memorydb in the services: no MemoryDB action and no MemoryDB user secret', () => {
    const { template: t } = rotationOnly();
    const policies = JSON.stringify(t.findResources('AWS::IAM::Policy'));
    expect(policies).not.toContain('memorydb');
    expect(policies).toContain('cachegate/elasticache/users/*');
  });

  it('without a probe: no security group, no rule, no function in a VPC, no probe endpoint', () => {
    const built = rotationOnly();
    for (const type of [
      'AWS::EC2::SecurityGroup',
      'AWS::EC2::SecurityGroupIngress',
      'AWS::EC2::SecurityGroupEgress',
    ]) {
      built.template.resourceCountIs(type, 0);
    }
    for (const name of ROTATION_FUNCTIONS) {
      const fn = functionNamed(name, built.template);
      expect([name, fn.Properties.VpcConfig]).toEqual([name, undefined]);
      expect([name, hasVpcAccessPolicy(built.template, fn)]).toEqual([name, false]);
    }
    expect(JSON.stringify(built.template.toJSON())).not.toContain('ROTATION_PROBE_ENDPOINT');
    expect(() => built.app.synth()).not.toThrow();
  });

  describe('configuration', () => {
    const example = JSON.parse(
      readFileSync(join(repoRoot(), 'infra', 'config', 'example.json'), 'utf8'),
    ) as Record<string, unknown>;
    const dir = mkdtempSync(join(tmpdir(), 'cachegate-rotation-config-'));
    const load = (config: Record<string, unknown>) => {
      const path = join(dir, 'config.json');
      writeFileSync(path, JSON.stringify(config));
      return () => loadConfig(path);
    };
    const probe = (example.rotation as { probe: Record<string, unknown> }).probe;
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('takes the cache network from vpnAccess when the probe names none', () => {
      const config = load(example)();
      expect(config.rotation?.probe?.network).toBeUndefined();
      expect(config.vpnAccess?.cacheSecurityGroupId).toBe(CACHE_SG);
    });

    it('refuses a probe without a network when there is no vpnAccess section', () => {
      const { vpnAccess: _omitted, ...withoutVpn } = example;
      expect(load(withoutVpn)).toThrow(/rotation\.probe\.network: is required when there is no vpnAccess/);
    });

    it('refuses an endpoint that is not host:port, or a probe without a Secrets Manager route', () => {
      expect(load({ ...example, rotation: { probe: { ...probe, endpoint: 'cache.example' } } })).toThrow(
        /rotation\.probe\.endpoint: must be host:port/,
      );
      expect(
        load({ ...example, rotation: { probe: { ...probe, endpoint: 'cache.example:70000' } } }),
      ).toThrow(/rotation\.probe\.endpoint: port must be 1-65535/);
      const { secretsManager: _omitted, ...noRoute } = probe;
      expect(load({ ...example, rotation: { probe: noRoute } })).toThrow(/rotation\.probe\.secretsManager/);
    });
  });
});

import { beforeAll, describe, expect, it } from '@jest/globals';
import { App, type CfnElement, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AttributeType, Table } from 'aws-cdk-lib/aws-dynamodb';
import { EventBus } from 'aws-cdk-lib/aws-events';
import { Key, KeySpec, KeyUsage } from 'aws-cdk-lib/aws-kms';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { clientVpnCrlSchema } from '../../functions/core/crl-refresh/distribution-config.js';
import { ClientVpnCrl } from '../../infra/constructs/client-vpn-crl.js';
import { WorkflowSchedules } from '../../infra/constructs/schedules.js';

const ENDPOINTS = ['cvpn-endpoint-0aaaaaaaaaaaaaaa1', 'cvpn-endpoint-0bbbbbbbbbbbbbbb2'];
const arnOf = (id: string) => `arn:aws:ec2:eu-west-1:111111111111:client-vpn-endpoint/${id}`;
let template: Template;
let ids: { table: string; key: string; certificate: string };

beforeAll(() => {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'CrlTest', { env: { account: '111111111111', region: 'eu-west-1' } });
  const table = new Table(stack, 'Certificates', {
    partitionKey: { name: 'pk', type: AttributeType.STRING },
  });
  const key = new Key(stack, 'SigningKey', { keySpec: KeySpec.RSA_2048, keyUsage: KeyUsage.SIGN_VERIFY });
  const certificateSecret = new Secret(stack, 'CaCertificate');
  ids = {
    table: stack.getLogicalId(table.node.defaultChild as CfnElement),
    key: stack.getLogicalId(key.node.defaultChild as CfnElement),
    certificate: stack.getLogicalId(certificateSecret.node.defaultChild as CfnElement),
  };
  new ClientVpnCrl(stack, 'ClientVpnCrl', {
    auditBus: new EventBus(stack, 'Audit'),
    certificateAuthority: { table, certificateSecret, signer: { key } },
    logRetention: RetentionDays.ONE_YEAR,
    schedules: new WorkflowSchedules(stack, 'Schedules', { logRetention: RetentionDays.ONE_YEAR }),
    schedule: { expression: 'cron(30 2 * * ? *)', timeZone: 'Europe/Berlin' },
    endpoints: ENDPOINTS.map((endpointId) => ({ endpointId, endpointArn: arnOf(endpointId) })),
    settings: clientVpnCrlSchema.parse({
      endpointIds: ENDPOINTS,
      maintenanceWindow: { weekdays: ['SUN'], startUtc: '03:00', durationMinutes: 120 },
    }),
  });
  template = Template.fromStack(stack);
});

type Statement = { Action: string | string[]; Resource: unknown; Condition?: unknown };
function statementsOfFunction(name: string, t: Template = template): Statement[] {
  const roleId = Object.entries(t.findResources('AWS::Lambda::Function')).find(
    ([, fn]) =>
      (fn as { Properties: { FunctionName: string } }).Properties.FunctionName === `cachegate-${name}`,
  )?.[1] as { Properties: { Role: { 'Fn::GetAtt': [string, string] } } } | undefined;
  const role = roleId?.Properties.Role['Fn::GetAtt'][0];
  return Object.values(t.findResources('AWS::IAM::Policy'))
    .filter((p) =>
      JSON.stringify((p as { Properties: { Roles: unknown } }).Properties.Roles).includes(`"${role}"`),
    )
    .flatMap(
      (p) =>
        (p as { Properties: { PolicyDocument: { Statement: Statement[] } } }).Properties.PolicyDocument
          .Statement,
    );
}
const actionsOf = (s: Statement) => (Array.isArray(s.Action) ? s.Action : [s.Action]);
const FUNCTIONS = [
  'end-revocation-hold',
  'import-endpoint-crl',
  'inspect-endpoint-crl',
  'publish-crl',
  'publish-crl-expiry-metric',
  'revoke-certificate-in-index',
  'summarize-crl-distribution',
  'terminate-revoked-connections',
  'verify-endpoint-crl',
];

describe('ClientVpnCrl', () => {
  it('deploys both workflows with one shared Lambda per step', () => {
    for (const name of ['cachegate-revoke-certificate', 'cachegate-refresh-crl']) {
      template.hasResourceProperties('AWS::StepFunctions::StateMachine', { StateMachineName: name });
    }
    const names = Object.values(template.findResources('AWS::Lambda::Function')).map(
      (fn) => (fn as { Properties: { FunctionName: string } }).Properties.FunctionName,
    );
    expect(names.sort()).toEqual(
      [
        'end-revocation-hold',
        'import-endpoint-crl',
        'inspect-endpoint-crl',
        'publish-crl',
        'publish-crl-expiry-metric',
        'revoke-certificate-in-index',
        'start-scheduled-workflow',
        'summarize-crl-distribution',
        'terminate-revoked-connections',
        'verify-endpoint-crl',
      ].map((n) => `cachegate-${n}`),
    );
  });

  it('grants each Client VPN action only to the function that needs it, on the configured endpoints only', () => {
    const expected: Record<string, string[]> = {
      'import-endpoint-crl': ['ec2:ImportClientVpnClientCertificateRevocationList'],
      'verify-endpoint-crl': ['ec2:ExportClientVpnClientCertificateRevocationList'],
      'inspect-endpoint-crl': ['ec2:ExportClientVpnClientCertificateRevocationList'],
      'publish-crl-expiry-metric': ['ec2:ExportClientVpnClientCertificateRevocationList'],
      'terminate-revoked-connections': [
        'ec2:DescribeClientVpnConnections',
        'ec2:TerminateClientVpnConnections',
      ],
      'publish-crl': [],
      'revoke-certificate-in-index': [],
      'summarize-crl-distribution': [],
      'end-revocation-hold': [],
    };
    for (const [fn, actions] of Object.entries(expected)) {
      const ec2 = statementsOfFunction(fn).filter((s) => actionsOf(s).some((a) => a.startsWith('ec2:')));
      expect(ec2.flatMap(actionsOf).sort()).toEqual(actions.sort());
      for (const s of ec2) expect(s.Resource).toEqual(ENDPOINTS.map(arnOf));
    }
  });

  it('grants the CA exactly: index to revoke and publish, key to publish-crl only, certificate to whoever checks a CRL', () => {
    const touching = (logicalId: string) =>
      Object.fromEntries(
        FUNCTIONS.map((fn): [string, string[]] => [
          fn,
          statementsOfFunction(fn)
            .filter((s) => JSON.stringify(s.Resource).includes(`"${logicalId}"`))
            .flatMap(actionsOf)
            .sort(),
        ]).filter(([, actions]) => actions.length > 0),
      );
    const {
      'end-revocation-hold': endHold,
      'inspect-endpoint-crl': inspect,
      ...tableGrant
    } = touching(ids.table);
    expect(endHold).toEqual(['dynamodb:DeleteItem']);
    // Reads the index to name the sessions a refresh import ends; never writes it.
    expect(inspect).toEqual(expect.arrayContaining(['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:Scan']));
    expect(inspect!.filter((a) => /Put|Update|Delete|Write/.test(a))).toEqual([]);
    expect(Object.keys(tableGrant).sort()).toEqual(['publish-crl', 'revoke-certificate-in-index']);
    for (const actions of Object.values(tableGrant)) {
      expect(actions).toEqual(
        expect.arrayContaining([
          'dynamodb:GetItem',
          'dynamodb:PutItem',
          'dynamodb:UpdateItem',
          'dynamodb:Scan',
        ]),
      );
    }
    expect(touching(ids.key)).toEqual({ 'publish-crl': ['kms:GetPublicKey', 'kms:Sign'] });
    const secretGrant = touching(ids.certificate);
    expect(Object.keys(secretGrant).sort()).toEqual([
      'inspect-endpoint-crl',
      'publish-crl',
      'publish-crl-expiry-metric',
      'verify-endpoint-crl',
    ]);
    for (const actions of Object.values(secretGrant)) {
      expect(actions).toEqual(['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue']);
    }
    const kmsAnywhere = FUNCTIONS.filter((fn) =>
      statementsOfFunction(fn).some((s) => actionsOf(s).some((a) => a.startsWith('kms:'))),
    );
    expect(kmsAnywhere).toEqual(['publish-crl']);
  });

  it('passes the CA configuration only to the functions that resolve it', () => {
    const variablesOf = (fn: string) =>
      (
        Object.values(template.findResources('AWS::Lambda::Function')).find(
          (f) =>
            (f as { Properties: { FunctionName: string } }).Properties.FunctionName === `cachegate-${fn}`,
        ) as { Properties: { Environment: { Variables: Record<string, unknown> } } }
      ).Properties.Environment.Variables;
    const caVariables = (fn: string) =>
      ['CERTIFICATES_TABLE', 'CA_CERT_SECRET_ARN', 'CA_KMS_KEY_ARN', 'CA_KEY_SECRET_ARN'].filter(
        (v) => variablesOf(fn)[v] !== undefined,
      );
    expect(variablesOf('publish-crl')).toMatchObject({
      CERTIFICATES_TABLE: { Ref: ids.table },
      CA_CERT_SECRET_ARN: { Ref: ids.certificate },
      CA_KMS_KEY_ARN: { 'Fn::GetAtt': [ids.key, 'Arn'] },
    });
    expect(caVariables('revoke-certificate-in-index')).toEqual(['CERTIFICATES_TABLE']);
    expect(caVariables('end-revocation-hold')).toEqual(['CERTIFICATES_TABLE']);
    expect(caVariables('inspect-endpoint-crl')).toEqual(['CERTIFICATES_TABLE', 'CA_CERT_SECRET_ARN']);
    for (const fn of ['verify-endpoint-crl', 'publish-crl-expiry-metric']) {
      expect(caVariables(fn)).toEqual(['CA_CERT_SECRET_ARN']);
    }
    for (const fn of ['import-endpoint-crl', 'terminate-revoked-connections', 'summarize-crl-distribution']) {
      expect(caVariables(fn)).toEqual([]);
    }
  });

  it('limits PutMetricData to the cachegate namespace', () => {
    for (const fn of ['publish-crl-expiry-metric', 'summarize-crl-distribution']) {
      const [put] = statementsOfFunction(fn).filter((s) => actionsOf(s).includes('cloudwatch:PutMetricData'));
      expect(put?.Condition).toEqual({ StringEquals: { 'cloudwatch:namespace': 'cachegate' } });
    }
  });

  it('runs refresh-crl on its schedule, once per scheduled time, and passes the settings to the Lambdas', () => {
    template.resourceCountIs('AWS::Events::Rule', 0);
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      Name: 'cachegate-refresh-crl',
      ScheduleExpression: 'cron(30 2 * * ? *)',
      ScheduleExpressionTimezone: 'Europe/Berlin',
      Target: Match.objectLike({
        Input: JSON.stringify({
          workflow: 'refresh-crl',
          scheduledTime: '<aws.scheduler.scheduled-time>',
          periodMinutes: 1,
          input: { requestedBy: 'cachegate-schedule' },
        }),
      }),
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: 'cachegate-inspect-endpoint-crl',
      Environment: {
        Variables: Match.objectLike({
          CLIENT_VPN_ENDPOINT_IDS: ENDPOINTS.join(','),
          CRL_DAYS: '180',
          CRL_REFRESH_MARGIN_DAYS: '30',
          CRL_HARD_MARGIN_DAYS: '7',
          CRL_MAINTENANCE_WINDOW: JSON.stringify({
            weekdays: ['SUN'],
            startUtc: '03:00',
            durationMinutes: 120,
          }),
        }),
      },
    });
  });

  it('alarms per endpoint when DaysUntilCrlExpiry drops below 7 or stops being reported', () => {
    for (const endpointId of ENDPOINTS) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'cachegate',
        MetricName: 'DaysUntilCrlExpiry',
        Dimensions: [{ Name: 'ClientVpnEndpointId', Value: endpointId }],
        Threshold: 7,
        ComparisonOperator: 'LessThanThreshold',
        TreatMissingData: 'breaching',
      });
    }
  });
});

describe('ClientVpnCrl with a CA key in Secrets Manager', () => {
  it('lets only publish-crl read the key secret, and gives it CA_KEY_SECRET_ARN', () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const stack = new Stack(app, 'CrlKeySecretTest', {
      env: { account: '111111111111', region: 'eu-west-1' },
    });
    const keySecret = new Secret(stack, 'CaKey');
    new ClientVpnCrl(stack, 'ClientVpnCrl', {
      auditBus: new EventBus(stack, 'Audit'),
      certificateAuthority: {
        table: new Table(stack, 'Certificates', { partitionKey: { name: 'pk', type: AttributeType.STRING } }),
        certificateSecret: new Secret(stack, 'CaCertificate'),
        signer: { keySecret },
      },
      logRetention: RetentionDays.ONE_YEAR,
      schedules: new WorkflowSchedules(stack, 'Schedules', { logRetention: RetentionDays.ONE_YEAR }),
      schedule: { expression: 'rate(1 day)', timeZone: 'UTC' },
      endpoints: [],
      settings: clientVpnCrlSchema.parse({}),
    });
    const t = Template.fromStack(stack);
    const keyId = stack.getLogicalId(keySecret.node.defaultChild as CfnElement);
    const policies = Object.values(t.findResources('AWS::IAM::Policy')).filter((p) =>
      JSON.stringify(p).includes(`"${keyId}"`),
    );
    expect(policies).toHaveLength(1);
    const roles = JSON.stringify((policies[0] as { Properties: { Roles: unknown } }).Properties.Roles);
    const publish = Object.values(t.findResources('AWS::Lambda::Function')).find(
      (f) =>
        (f as { Properties: { FunctionName: string } }).Properties.FunctionName === 'cachegate-publish-crl',
    ) as { Properties: { Role: { 'Fn::GetAtt': [string, string] } } };
    expect(roles).toBe(JSON.stringify([{ Ref: publish.Properties.Role['Fn::GetAtt'][0] }]));
    t.hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: 'cachegate-publish-crl',
      Environment: { Variables: Match.objectLike({ CA_KEY_SECRET_ARN: { Ref: keyId } }) },
    });
    expect(JSON.stringify(t.findResources('AWS::Lambda::Function'))).not.toContain('CA_KMS_KEY_ARN');
  });
});

describe('ClientVpnCrl across regions and accounts', () => {
  const LOCAL = 'cvpn-endpoint-0aaaaaaaaaaaaaaa1';
  const VIRGINIA = 'cvpn-endpoint-0ccccccccccccccc3';
  const SYDNEY = 'cvpn-endpoint-0ddddddddddddddd4';
  const ROLE = 'arn:aws:iam::222222222222:role/cachegate-crl-distribution';
  let t: Template;

  beforeAll(() => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const stack = new Stack(app, 'CrlRegionsTest', { env: { account: '111111111111', region: 'eu-west-1' } });
    const settings = clientVpnCrlSchema.parse({
      endpointIds: [LOCAL],
      endpoints: [
        { endpointId: VIRGINIA, region: 'us-east-1' },
        { endpointId: SYDNEY, region: 'ap-southeast-2', roleArn: ROLE },
      ],
    });
    new ClientVpnCrl(stack, 'ClientVpnCrl', {
      auditBus: new EventBus(stack, 'Audit'),
      certificateAuthority: {
        table: new Table(stack, 'Certificates', { partitionKey: { name: 'pk', type: AttributeType.STRING } }),
        certificateSecret: new Secret(stack, 'CaCertificate'),
        signer: {
          key: new Key(stack, 'SigningKey', { keySpec: KeySpec.RSA_2048, keyUsage: KeyUsage.SIGN_VERIFY }),
        },
      },
      logRetention: RetentionDays.ONE_YEAR,
      schedules: new WorkflowSchedules(stack, 'Schedules', { logRetention: RetentionDays.ONE_YEAR }),
      schedule: { expression: 'rate(1 day)', timeZone: 'UTC' },
      endpoints: [
        { endpointId: LOCAL, endpointArn: arnOf(LOCAL) },
        {
          endpointId: VIRGINIA,
          endpointArn: `arn:aws:ec2:us-east-1:111111111111:client-vpn-endpoint/${VIRGINIA}`,
          region: 'us-east-1',
        },
        {
          endpointId: SYDNEY,
          endpointArn: `arn:aws:ec2:ap-southeast-2:222222222222:client-vpn-endpoint/${SYDNEY}`,
          region: 'ap-southeast-2',
          roleArn: ROLE,
        },
      ],
      settings,
    });
    t = Template.fromStack(stack);
  });

  it('tells the functions where each remote endpoint is, and nothing about local ones', () => {
    t.hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: 'cachegate-import-endpoint-crl',
      Environment: {
        Variables: Match.objectLike({
          CLIENT_VPN_ENDPOINT_IDS: [LOCAL, VIRGINIA, SYDNEY].join(','),
          CLIENT_VPN_ENDPOINT_LOCATIONS: JSON.stringify({
            [VIRGINIA]: { region: 'us-east-1' },
            [SYDNEY]: { region: 'ap-southeast-2', roleArn: ROLE },
          }),
        }),
      },
    });
  });

  it("grants EC2 on this account's endpoints in every region, and only sts:AssumeRole on the other account's role", () => {
    for (const fn of ['import-endpoint-crl', 'verify-endpoint-crl', 'terminate-revoked-connections']) {
      const statements = statementsOfFunction(fn, t);
      const ec2 = statements.filter((s) => actionsOf(s).some((a) => a.startsWith('ec2:')));
      for (const s of ec2) {
        expect(s.Resource).toEqual([
          arnOf(LOCAL),
          `arn:aws:ec2:us-east-1:111111111111:client-vpn-endpoint/${VIRGINIA}`,
        ]);
      }
      const assume = statements.filter((s) => actionsOf(s).includes('sts:AssumeRole'));
      expect(assume.map((s) => s.Resource)).toEqual([ROLE]);
    }
    expect(
      statementsOfFunction('publish-crl', t).filter((s) => actionsOf(s).includes('sts:AssumeRole')),
    ).toEqual([]);
  });

  it('alarms per region when a run leaves endpoints behind there', () => {
    for (const region of ['eu-west-1', 'us-east-1', 'ap-southeast-2']) {
      t.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'cachegate',
        MetricName: 'CrlEndpointsBehind',
        Dimensions: [{ Name: 'Region', Value: region }],
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      });
    }
  });

  it.each([
    [{ endpointIds: [LOCAL], endpoints: [{ endpointId: LOCAL, region: 'us-east-1' }] }, 'endpoints'],
    [{ endpoints: [{ endpointId: SYDNEY, roleArn: 'arn:aws:iam::2222:user/x' }] }, 'roleArn'],
    [{ endpoints: [{ endpointId: SYDNEY, region: 'Sydney' }] }, 'region'],
    [{ endpoints: [{ endpointId: SYDNEY, account: '222222222222' }] }, 'account'],
  ])('refuses %j, naming %s', (config, field) => {
    const parsed = clientVpnCrlSchema.safeParse(config);
    expect(parsed.success).toBe(false);
    expect(JSON.stringify(parsed.error?.issues)).toContain(field);
  });
});

import { beforeAll, describe, expect, it } from '@jest/globals';
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AttributeType, Table } from 'aws-cdk-lib/aws-dynamodb';
import { EventBus } from 'aws-cdk-lib/aws-events';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { PostureSchedule } from '../../infra/constructs/posture-schedule.js';
import { CertificateExpiryNotices } from '../../infra/constructs/certificate-expiry-notices.js';
import { WorkflowSchedules } from '../../infra/constructs/schedules.js';

/**
 * The two scheduled checks (the posture audit workflow, the client certificate expiry notices),
 * in one file: the template assertions are quick, loading aws-cdk-lib is not.
 */

let template: Template;
let noticesTemplate: Template;

beforeAll(() => {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'PostureTest', { env: { account: '111111111111', region: 'eu-west-1' } });
  const table = (id: string) =>
    new Table(stack, id, { partitionKey: { name: 'pk', type: AttributeType.STRING } });
  new PostureSchedule(stack, 'Posture', {
    auditBus: new EventBus(stack, 'Audit'),
    logRetention: RetentionDays.ONE_YEAR,
    schedules: new WorkflowSchedules(stack, 'Schedules', { logRetention: RetentionDays.ONE_YEAR }),
    schedule: { expression: 'rate(1 day)', timeZone: 'UTC' },
    cacheSubnetCidrs: ['10.0.1.0/24', '10.0.2.0/24'],
    certificateAuthority: { table: table('Certificates'), certificateSecret: new Secret(stack, 'CaCert') },
    crlStore: table('CrlStore'),
  });
  template = Template.fromStack(stack);
});

type Statement = { Action: string | string[]; Resource: unknown; Condition?: unknown };
type Resource = { Properties: Record<string, unknown> };
const statementsOf = (policies: Resource[]): Statement[] =>
  policies.flatMap((p) => (p.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
const statements = (): Statement[] =>
  statementsOf(Object.values(template.findResources('AWS::IAM::Policy')) as Resource[]);
const actionsOf = (list: Statement[]) => list.flatMap((s) => [s.Action].flat());

const functionId = (name: string): string => {
  const [id] = Object.keys(
    template.findResources('AWS::Lambda::Function', { Properties: { FunctionName: `cachegate-${name}` } }),
  );
  if (!id) throw new Error(`no function cachegate-${name}`);
  return id;
};
/** The statements of one function's role, X-Ray's left out. */
const functionStatements = (name: string): Statement[] => {
  const fn = template.findResources('AWS::Lambda::Function')[functionId(name)] as Resource;
  const role = (fn.Properties.Role as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0];
  const policies = (Object.values(template.findResources('AWS::IAM::Policy')) as Resource[]).filter((p) =>
    (p.Properties.Roles as { Ref: string }[]).some((r) => r.Ref === role),
  );
  return statementsOf(policies).filter((s) => ![s.Action].flat().every((a) => a.startsWith('xray:')));
};
const stateMachine = () => {
  const [machine] = Object.values(
    template.findResources('AWS::StepFunctions::StateMachine', {
      Properties: { StateMachineName: 'cachegate-audit-posture' },
    }),
  ) as Resource[];
  return {
    definition: JSON.parse(String(machine?.Properties.DefinitionString)) as {
      StartAt: string;
      States: Record<
        string,
        { Type: string; Branches?: { StartAt: string; States: Record<string, unknown> }[]; Next?: string }
      >;
    },
    substitutions: machine?.Properties.DefinitionSubstitutions,
  };
};

describe('PostureSchedule construct', () => {
  it('the workflow schedules start audit-posture on the configured schedule with the scheduled input', () => {
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      Name: 'cachegate-audit-posture',
      ScheduleExpression: 'rate(1 day)',
      ScheduleExpressionTimezone: 'UTC',
      Target: Match.objectLike({
        Arn: { 'Fn::GetAtt': [functionId('start-scheduled-workflow'), 'Arn'] },
        Input: Match.serializedJson(
          Match.objectLike({
            workflow: 'audit-posture',
            periodMinutes: 1440,
            input: { requestedBy: 'cachegate-schedule' },
          }),
        ),
      }),
    });
    template.resourceCountIs('AWS::Events::Rule', 0);
    const starterActions = actionsOf(functionStatements('start-scheduled-workflow'));
    expect(starterActions).toEqual(['states:StartExecution']);
  });

  it('runs the cache half beside the VPN endpoints then CA stores, then publishes: no part can be skipped', () => {
    const { definition, substitutions } = stateMachine();
    const first = definition.States[definition.StartAt];
    expect(first?.Type).toBe('Parallel');
    expect(first?.Branches?.map((b) => b.StartAt)).toEqual(['AuditCachePosture', 'AuditVpnPosture']);
    expect(first?.Branches?.map((b) => Object.keys(b.States))).toEqual([
      ['AuditCachePosture'],
      ['AuditVpnPosture', 'AuditCaPosture'],
    ]);
    expect(first?.Next).toBe('PublishPostureFindings');
    const arn = (name: string) => ({ 'Fn::GetAtt': [functionId(name), 'Arn'] });
    expect(substitutions).toEqual({
      AuditCachePostureFunctionArn: arn('audit-cache-posture'),
      AuditVpnPostureFunctionArn: arn('audit-vpn-posture'),
      AuditCaPostureFunctionArn: arn('audit-ca-posture'),
      PublishPostureFindingsFunctionArn: arn('publish-posture-findings'),
    });
  });

  it('one alarm on critical + high PostureFindings (>= 1), breaching when no run reports', () => {
    template.resourceCountIs('AWS::CloudWatch::Alarm', 1);
    const severity = (name: string) =>
      Match.objectLike({
        Id: name,
        ReturnData: false,
        MetricStat: Match.objectLike({
          Metric: {
            Namespace: 'cachegate',
            MetricName: 'PostureFindings',
            Dimensions: [{ Name: 'Severity', Value: name }],
          },
          Period: 86400,
          Stat: 'Maximum',
        }),
      });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'cachegate-posture-high-findings',
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      Threshold: 1,
      EvaluationPeriods: 1,
      TreatMissingData: 'breaching',
      Metrics: Match.arrayWith([
        Match.objectLike({ Expression: 'critical + high', ReturnData: true }),
        severity('critical'),
        severity('high'),
      ]),
    });
  });

  it('gives the endpoints part the cache subnets and the CA certificate, the CA part its tables, the publisher the audit bus, each part 5 minutes', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: 'cachegate-audit-vpn-posture',
      Timeout: 300,
      Environment: {
        Variables: Match.objectLike({
          CACHE_SUBNET_CIDRS: '10.0.1.0/24,10.0.2.0/24',
          CA_CERT_SECRET_ARN: Match.anyValue(),
        }),
      },
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: 'cachegate-audit-ca-posture',
      Timeout: 300,
      Environment: {
        Variables: Match.objectLike({
          CERTIFICATES_TABLE: Match.anyValue(),
          CRL_STORE_TABLE: Match.anyValue(),
        }),
      },
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: 'cachegate-audit-cache-posture',
      Timeout: 300,
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: 'cachegate-publish-posture-findings',
      Environment: { Variables: Match.objectLike({ AUDIT_EVENT_BUS: Match.anyValue() }) },
    });
  });

  it("gives each function only its part's grants", () => {
    const services = (name: string) =>
      [...new Set(actionsOf(functionStatements(name)).map((a) => a.split(':')[0]))].sort();
    expect(services('audit-cache-posture')).toEqual(['elasticache', 'memorydb', 'secretsmanager']);
    expect(
      actionsOf(functionStatements('audit-cache-posture')).filter((a) => a.startsWith('secretsmanager:')),
    ).toEqual(['secretsmanager:ListSecretVersionIds', 'secretsmanager:ListSecrets']);
    expect(services('audit-vpn-posture')).toEqual(['acm', 'ec2', 'secretsmanager']);
    expect(actionsOf(functionStatements('audit-ca-posture')).sort()).toEqual([
      'dynamodb:GetItem',
      'dynamodb:Scan',
    ]);
    expect(services('publish-posture-findings')).toEqual(['cloudwatch', 'events']);
    const metrics = functionStatements('publish-posture-findings').find(
      (s) => s.Action === 'cloudwatch:PutMetricData',
    );
    expect(metrics?.Condition).toEqual({ StringEquals: { 'cloudwatch:namespace': 'cachegate' } });
  });

  it('reads only: no action that creates, modifies, deletes, imports or reads a user secret value', () => {
    const granted = actionsOf(statements());
    expect(granted).toEqual(
      expect.arrayContaining([
        'elasticache:DescribeReplicationGroups',
        'elasticache:DescribeServerlessCaches',
        'memorydb:DescribeClusters',
        'ec2:ExportClientVpnClientCertificateRevocationList',
        'acm:DescribeCertificate',
        'secretsmanager:ListSecretVersionIds',
        'cloudwatch:PutMetricData',
        'events:PutEvents',
      ]),
    );
    const writes = granted.filter(
      (a) =>
        !/^[a-z0-9]+:(Describe|List|Get|Scan|Export)/.test(a) &&
        ![
          'cloudwatch:PutMetricData',
          'events:PutEvents',
          'states:StartExecution',
          'lambda:InvokeFunction',
        ].includes(a) &&
        !a.startsWith('xray:') &&
        !a.startsWith('logs:'),
    );
    expect(writes).toEqual([]);
    // GetSecretValue only on the CA's certificate secret (the public certificate).
    const getValue = statements().filter((s) => [s.Action].flat().includes('secretsmanager:GetSecretValue'));
    expect(getValue).toHaveLength(1);
    expect(JSON.stringify(getValue[0]?.Resource)).toContain('CaCert');
  });
});

beforeAll(() => {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'NoticesTest', { env: { account: '111111111111', region: 'eu-west-1' } });
  new CertificateExpiryNotices(stack, 'Notices', {
    auditBus: new EventBus(stack, 'Audit'),
    logRetention: RetentionDays.ONE_YEAR,
    expression: 'cron(0 8 * * ? *)',
    noticeDays: [30, 7, 1],
    certificatesTable: new Table(stack, 'Certificates', {
      partitionKey: { name: 'pk', type: AttributeType.STRING },
    }),
    slack: { channelId: 'C0APPROVALS', secret: new Secret(stack, 'Slack') },
  });
  noticesTemplate = Template.fromStack(stack);
});

const noticeStatements = (): Statement[] =>
  Object.values(noticesTemplate.findResources('AWS::IAM::Policy')).flatMap(
    (p) =>
      (p as { Properties: { PolicyDocument: { Statement: Statement[] } } }).Properties.PolicyDocument
        .Statement,
  );

describe('CertificateExpiryNotices construct', () => {
  it('an EventBridge rule invokes notify-certificate-expiry on the configured schedule', () => {
    const [fnId] = Object.keys(
      noticesTemplate.findResources('AWS::Lambda::Function', {
        Properties: { FunctionName: 'cachegate-notify-certificate-expiry' },
      }),
    );
    noticesTemplate.hasResourceProperties('AWS::Events::Rule', {
      Name: 'cachegate-notify-certificate-expiry',
      ScheduleExpression: 'cron(0 8 * * ? *)',
      Targets: [
        Match.objectLike({
          Arn: { 'Fn::GetAtt': [fnId, 'Arn'] },
          Input: JSON.stringify({ requestedBy: 'cachegate-schedule' }),
        }),
      ],
    });
  });

  it('passes thresholds, channel and secret ARN (never the token) through the environment', () => {
    noticesTemplate.hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: 'cachegate-notify-certificate-expiry',
      Environment: {
        Variables: Match.objectLike({
          CERTIFICATE_NOTICE_DAYS: '30,7,1',
          SLACK_APPROVAL_CHANNEL: 'C0APPROVALS',
          SLACK_SECRET_ARN: Match.anyValue(),
          CERTIFICATES_TABLE: Match.anyValue(),
        }),
      },
    });
  });

  it('writes only its NOTICE# records in the index table; scans it; nothing else in DynamoDB', () => {
    const dynamo = noticeStatements().filter((s) => [s.Action].flat().some((a) => a.startsWith('dynamodb:')));
    expect(dynamo.map((s) => [s.Action].flat().sort())).toEqual([
      ['dynamodb:Scan'],
      ['dynamodb:DeleteItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
    ]);
    expect(dynamo[1]?.Condition).toEqual({
      'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['NOTICE#*'] },
    });
  });
});

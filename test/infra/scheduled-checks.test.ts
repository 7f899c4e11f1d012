import { beforeAll, describe, expect, it } from '@jest/globals';
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AttributeType, Table } from 'aws-cdk-lib/aws-dynamodb';
import { EventBus } from 'aws-cdk-lib/aws-events';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { PostureSchedule } from '../../infra/constructs/posture-schedule.js';
import { CertificateExpiryNotices } from '../../infra/constructs/certificate-expiry-notices.js';

/**
 * The two checks an EventBridge rule runs (the posture audit, the client certificate expiry
 * notices), in one file: the template assertions are quick, loading aws-cdk-lib is not.
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
    expression: 'rate(1 day)',
    cacheSubnetCidrs: ['10.0.1.0/24', '10.0.2.0/24'],
    certificateAuthority: { table: table('Certificates'), certificateSecret: new Secret(stack, 'CaCert') },
    crlStore: table('CrlStore'),
  });
  template = Template.fromStack(stack);
});

type Statement = { Action: string | string[]; Resource: unknown; Condition?: unknown };
const statements = (): Statement[] =>
  Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
    (p) =>
      (p as { Properties: { PolicyDocument: { Statement: Statement[] } } }).Properties.PolicyDocument
        .Statement,
  );
const actions = () => statements().flatMap((s) => [s.Action].flat());

describe('PostureSchedule construct', () => {
  it('an EventBridge rule invokes audit-posture on the configured schedule with the scheduled input', () => {
    const fn = template.findResources('AWS::Lambda::Function', {
      Properties: { FunctionName: 'cachegate-audit-posture' },
    });
    const [fnId] = Object.keys(fn);
    template.hasResourceProperties('AWS::Events::Rule', {
      Name: 'cachegate-audit-posture',
      ScheduleExpression: 'rate(1 day)',
      State: 'ENABLED',
      Targets: [
        Match.objectLike({
          Arn: { 'Fn::GetAtt': [fnId, 'Arn'] },
          Input: JSON.stringify({ requestedBy: 'cachegate-schedule' }),
          RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 21600 },
        }),
      ],
    });
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      Principal: 'events.amazonaws.com',
      FunctionName: { 'Fn::GetAtt': [fnId, 'Arn'] },
    });
  });

  it('one alarm on critical + high PostureFindings (>= 1), breaching when the function stops reporting', () => {
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

  it('passes the cache subnets and the CA to the function through its environment', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: 'cachegate-audit-posture',
      Timeout: 300,
      Environment: {
        Variables: Match.objectLike({
          CACHE_SUBNET_CIDRS: '10.0.1.0/24,10.0.2.0/24',
          CA_CERT_SECRET_ARN: Match.anyValue(),
          CERTIFICATES_TABLE: Match.anyValue(),
          CRL_STORE_TABLE: Match.anyValue(),
          AUDIT_EVENT_BUS: Match.anyValue(),
        }),
      },
    });
  });

  it('reads only: no action that creates, modifies, deletes, imports or reads a user secret value', () => {
    const granted = actions();
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
        !['cloudwatch:PutMetricData', 'events:PutEvents'].includes(a) &&
        !a.startsWith('xray:'),
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

import { beforeAll, describe, expect, it } from '@jest/globals';
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AttributeType, Table } from 'aws-cdk-lib/aws-dynamodb';
import { EventBus } from 'aws-cdk-lib/aws-events';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { CertificateExpiryNotices } from '../../infra/constructs/certificate-expiry-notices.js';

let template: Template;

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
  template = Template.fromStack(stack);
});

type Statement = { Action: string | string[]; Resource: unknown; Condition?: unknown };
const statements = (): Statement[] =>
  Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
    (p) =>
      (p as { Properties: { PolicyDocument: { Statement: Statement[] } } }).Properties.PolicyDocument
        .Statement,
  );

describe('CertificateExpiryNotices construct', () => {
  it('an EventBridge rule invokes notify-certificate-expiry on the configured schedule', () => {
    const [fnId] = Object.keys(
      template.findResources('AWS::Lambda::Function', {
        Properties: { FunctionName: 'cachegate-notify-certificate-expiry' },
      }),
    );
    template.hasResourceProperties('AWS::Events::Rule', {
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
    template.hasResourceProperties('AWS::Lambda::Function', {
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
    const dynamo = statements().filter((s) => [s.Action].flat().some((a) => a.startsWith('dynamodb:')));
    expect(dynamo.map((s) => [s.Action].flat().sort())).toEqual([
      ['dynamodb:Scan'],
      ['dynamodb:DeleteItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
    ]);
    expect(dynamo[1]?.Condition).toEqual({
      'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['NOTICE#*'] },
    });
  });
});

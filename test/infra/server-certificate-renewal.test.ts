import { beforeAll, describe, expect, it } from '@jest/globals';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AttributeType, Table } from 'aws-cdk-lib/aws-dynamodb';
import { EventBus } from 'aws-cdk-lib/aws-events';
import { Key, KeySpec, KeyUsage } from 'aws-cdk-lib/aws-kms';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { ServerCertificateRenewal } from '../../infra/constructs/server-certificate-renewal.js';
import { WorkflowSchedules } from '../../infra/constructs/schedules.js';

const ARN = 'arn:aws:acm:eu-west-1:111111111111:certificate/00000000-0000-4000-8000-000000000001';
let template: Template;

beforeAll(() => {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'RenewalTest', { env: { account: '111111111111', region: 'eu-west-1' } });
  new ServerCertificateRenewal(stack, 'ServerCertificateRenewal', {
    auditBus: new EventBus(stack, 'Audit'),
    certificateAuthority: {
      table: new Table(stack, 'Certificates', { partitionKey: { name: 'pk', type: AttributeType.STRING } }),
      certificateSecret: new Secret(stack, 'CaCertificate'),
      signer: {
        key: new Key(stack, 'SigningKey', { keySpec: KeySpec.RSA_2048, keyUsage: KeyUsage.SIGN_VERIFY }),
      },
    },
    certificateArn: ARN,
    settings: { renewBeforeDays: 30, validityDays: 395, commonName: 'server' },
    logRetention: RetentionDays.ONE_YEAR,
    schedules: new WorkflowSchedules(stack, 'Schedules', { logRetention: RetentionDays.ONE_YEAR }),
    schedule: { expression: 'rate(1 day)', timeZone: 'UTC' },
  });
  template = Template.fromStack(stack);
});

type Statement = { Action: string | string[]; Resource: unknown };
const acmStatements = (): Statement[] =>
  Object.values(template.findResources('AWS::IAM::Policy'))
    .flatMap(
      (p) =>
        (p as { Properties: { PolicyDocument: { Statement: Statement[] } } }).Properties.PolicyDocument
          .Statement,
    )
    .filter((s) => [s.Action].flat().some((a) => a.startsWith('acm:')));

describe('ServerCertificateRenewal construct', () => {
  it('grants ACM actions on the one configured certificate ARN only, ImportCertificate to one function', () => {
    const statements = acmStatements();
    expect(statements).toHaveLength(3);
    for (const s of statements) expect(s.Resource).toBe(ARN);
    expect(statements.filter((s) => [s.Action].flat().includes('acm:ImportCertificate'))).toHaveLength(1);
  });

  it('passes the certificate ARN and renewal settings to the functions, not through the input', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: 'cachegate-reimport-server-certificate',
      Environment: {
        Variables: {
          SERVER_CERTIFICATE_ARN: ARN,
          SERVER_CERTIFICATE_RENEW_BEFORE_DAYS: '30',
          SERVER_CERTIFICATE_DAYS: '395',
          SERVER_CERTIFICATE_CN: 'server',
        },
      },
    });
  });

  it('schedules the workflow daily', () => {
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      Name: 'cachegate-renew-server-certificate',
      ScheduleExpression: 'rate(1 day)',
    });
  });
});

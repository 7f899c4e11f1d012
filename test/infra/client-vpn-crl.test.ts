import { beforeAll, describe, expect, it } from '@jest/globals';
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { EventBus } from 'aws-cdk-lib/aws-events';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { clientVpnCrlSchema } from '../../functions/core/crl-refresh/distribution-config.js';
import { ClientVpnCrl } from '../../infra/constructs/client-vpn-crl.js';

const ENDPOINTS = ['cvpn-endpoint-0aaaaaaaaaaaaaaa1', 'cvpn-endpoint-0bbbbbbbbbbbbbbb2'];
const arnOf = (id: string) => `arn:aws:ec2:eu-west-1:111111111111:client-vpn-endpoint/${id}`;
let template: Template;

beforeAll(() => {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'CrlTest', { env: { account: '111111111111', region: 'eu-west-1' } });
  new ClientVpnCrl(stack, 'ClientVpnCrl', {
    auditBus: new EventBus(stack, 'Audit'),
    logRetention: RetentionDays.ONE_YEAR,
    endpoints: ENDPOINTS.map((endpointId) => ({ endpointId, endpointArn: arnOf(endpointId) })),
    settings: clientVpnCrlSchema.parse({
      endpointIds: ENDPOINTS,
      maintenanceWindow: { weekdays: ['SUN'], startUtc: '03:00', durationMinutes: 120 },
    }),
  });
  template = Template.fromStack(stack);
});

type Statement = { Action: string | string[]; Resource: unknown; Condition?: unknown };
function statementsOfFunction(name: string): Statement[] {
  const roleId = Object.entries(template.findResources('AWS::Lambda::Function')).find(
    ([, fn]) =>
      (fn as { Properties: { FunctionName: string } }).Properties.FunctionName === `cachegate-${name}`,
  )?.[1] as { Properties: { Role: { 'Fn::GetAtt': [string, string] } } } | undefined;
  const role = roleId?.Properties.Role['Fn::GetAtt'][0];
  return Object.values(template.findResources('AWS::IAM::Policy'))
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
        'import-endpoint-crl',
        'inspect-endpoint-crl',
        'publish-crl',
        'publish-crl-expiry-metric',
        'revoke-certificate-in-index',
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
    };
    for (const [fn, actions] of Object.entries(expected)) {
      const ec2 = statementsOfFunction(fn).filter((s) => actionsOf(s).some((a) => a.startsWith('ec2:')));
      expect(ec2.flatMap(actionsOf).sort()).toEqual(actions.sort());
      for (const s of ec2) expect(s.Resource).toEqual(ENDPOINTS.map(arnOf));
    }
  });

  it('limits PutMetricData to the cachegate namespace', () => {
    const [put] = statementsOfFunction('publish-crl-expiry-metric').filter((s) =>
      actionsOf(s).includes('cloudwatch:PutMetricData'),
    );
    expect(put?.Condition).toEqual({ StringEquals: { 'cloudwatch:namespace': 'cachegate' } });
  });

  it('runs refresh-crl daily and passes the settings to the Lambdas', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(1 day)',
      Targets: [Match.objectLike({ Input: JSON.stringify({ requestedBy: 'cachegate-schedule' }) })],
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

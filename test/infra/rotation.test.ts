import { beforeAll, describe, expect, it } from '@jest/globals';
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { buildApp } from '../../infra/app.js';

let template: Template;

beforeAll(() => {
  // Skip esbuild bundling: assets do not matter to these assertions and bundling is slow.
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  template = Template.fromStack(buildApp(app).stack);
});

type Statement = { Effect: string; Action: string | string[]; Resource: unknown; Condition?: unknown };
type Resource = { Type: string; Properties: Record<string, unknown> };

function statementsOfFunction(name: string): Statement[] {
  const functions = Object.values(template.findResources('AWS::Lambda::Function')) as Resource[];
  const matching = functions.filter((f) => f.Properties.FunctionName === `cachegate-${name}`);
  expect(matching).toHaveLength(1);
  const role = JSON.stringify((matching[0]!.Properties.Role as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0]);
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
    template.resourceCountIs('AWS::Events::Rule', 0);
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

  it('lets only Secrets Manager of this account invoke the rotation function', () => {
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Principal: 'secretsmanager.amazonaws.com',
      SourceAccount: '111111111111',
      Action: 'lambda:InvokeFunction',
    });
  });

  it('grants each function exactly what it calls', () => {
    expect(actionsOf('begin-password-rotation')).toEqual([
      'dynamodb:DeleteItem',
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'elasticache:DescribeUsers',
      'secretsmanager:DescribeSecret',
      'secretsmanager:GetSecretValue',
    ]);
    expect(actionsOf('set-rotation-passwords')).toEqual([
      'elasticache:DescribeUsers',
      'elasticache:ModifyUser',
      'secretsmanager:GetSecretValue',
    ]);
    expect(actionsOf('check-rotation-passwords')).toEqual(['elasticache:DescribeUsers']);
    expect(actionsOf('promote-pending-password')).toEqual([
      'secretsmanager:DescribeSecret',
      'secretsmanager:UpdateSecretVersionStage',
    ]);
    expect(actionsOf('abandon-password-rotation')).toEqual([
      'dynamodb:DeleteItem',
      'dynamodb:GetItem',
      'dynamodb:PutItem',
    ]);
    expect(actionsOf('summarise-rotation')).toEqual(['cloudwatch:PutMetricData', 'events:PutEvents']);
    // No rotation function may delete secrets or users, or touch another service's resources.
    for (const name of ['store-pending-password', 'verify-pending-password', 'rotate-secret']) {
      expect(
        actionsOf(name).every((a) => a.startsWith('secretsmanager:') || a.startsWith('elasticache:')),
      ).toBe(true);
      expect(actionsOf(name)).not.toEqual(expect.arrayContaining(['secretsmanager:DeleteSecret']));
    }
  });

  it('scopes secrets to cachegate user secrets and metrics to the cachegate namespace', () => {
    const secretStatements = statementsOfFunction('store-pending-password').filter((s) =>
      [s.Action].flat().some((a) => a.startsWith('secretsmanager:')),
    );
    expect(JSON.stringify(secretStatements.map((s) => s.Resource))).toContain(USER_SECRETS);
    const metrics = statementsOfFunction('summarise-rotation').find((s) =>
      [s.Action].flat().includes('cloudwatch:PutMetricData'),
    );
    expect(metrics?.Condition).toEqual({ StringEquals: { 'cloudwatch:namespace': 'cachegate' } });
  });
});

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { buildApp } from '../../infra/app.js';
import { loadConfig } from '../../infra/config.js';
import { repoRoot } from '../../workflows/repo-root.js';

type Resource = { Type: string; Properties: Record<string, unknown> };
type Statement = { Effect: string; Action: string | string[]; Resource: unknown };

const example = JSON.parse(
  readFileSync(join(repoRoot(), 'infra', 'config', 'example.json'), 'utf8'),
) as Record<string, unknown>;
const dir = mkdtempSync(join(tmpdir(), 'cachegate-schedules-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function configFile(name: string, changes: Record<string, unknown>): string {
  const file = join(dir, name);
  writeFileSync(file, JSON.stringify({ ...example, ...changes }));
  return file;
}

let template: Template;

beforeAll(() => {
  const config = configFile('custom.json', {
    approvals: { ...(example.approvals as object), timeoutSeconds: 3600 },
    schedules: {
      rotateAll: { expression: 'cron(0 4 1 * ? *)', timeZone: 'Europe/Berlin' },
      refreshCrl: { expression: 'rate(12 hours)', timeZone: 'America/New_York' },
    },
  });
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [], config } });
  template = Template.fromStack(buildApp(app).stack);
});

const logicalIdOf = (type: string, props: Record<string, unknown>) => {
  const found = Object.keys(template.findResources(type, { Properties: props }));
  expect(found).toHaveLength(1);
  return found[0] as string;
};
const starterId = () =>
  logicalIdOf('AWS::Lambda::Function', { FunctionName: 'cachegate-start-scheduled-workflow' });
const stateMachineId = (name: string) =>
  logicalIdOf('AWS::StepFunctions::StateMachine', { StateMachineName: `cachegate-${name}` });

function statementsOfRole(roleLogicalId: string): Statement[] {
  return (Object.values(template.findResources('AWS::IAM::Policy')) as Resource[])
    .filter((p) => (p.Properties.Roles as { Ref: string }[]).some((r) => r.Ref === roleLogicalId))
    .flatMap((p) => (p.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
}

describe('WorkflowSchedules', () => {
  it('takes each schedule’s expression and time zone from the config', () => {
    // rotate-all, refresh-crl, renew-server-certificate, rotate-auth-token for legacy-cache, and
    // audit-posture.
    template.resourceCountIs('AWS::Scheduler::Schedule', 5);
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      Name: 'cachegate-rotate-all',
      ScheduleExpression: 'cron(0 4 1 * ? *)',
      ScheduleExpressionTimezone: 'Europe/Berlin',
      State: 'ENABLED',
    });
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      Name: 'cachegate-refresh-crl',
      ScheduleExpression: 'rate(12 hours)',
      ScheduleExpressionTimezone: 'America/New_York',
      Target: Match.objectLike({
        Input: Match.serializedJson(Match.objectLike({ workflow: 'refresh-crl', periodMinutes: 720 })),
      }),
    });
  });

  it('targets the start-scheduled-workflow Lambda, never a state machine directly', () => {
    const schedules = Object.values(template.findResources('AWS::Scheduler::Schedule')) as Resource[];
    for (const schedule of schedules) {
      expect((schedule.Properties.Target as { Arn: unknown }).Arn).toEqual({
        'Fn::GetAtt': [starterId(), 'Arn'],
      });
    }
    // The one EventBridge rule is the certificate expiry notices' (one Lambda, read-and-tell): no
    // state machine is started by a rule (a repeated delivery would start a second run).
    const rules = Object.values(template.findResources('AWS::Events::Rule')) as Resource[];
    expect(rules.map((r) => r.Properties.Name)).toEqual(['cachegate-notify-certificate-expiry']);
    for (const rule of rules) {
      for (const target of rule.Properties.Targets as { Arn: unknown; RoleArn?: unknown }[]) {
        expect(JSON.stringify(target.Arn)).toMatch(/notifycertificateexpiry/);
        expect(target.RoleArn).toBeUndefined();
      }
    }
    // The posture audit reports twice a day by default (its config expression, in UTC): its
    // alarm judges day-long periods.
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      Name: 'cachegate-audit-posture',
      ScheduleExpression: 'rate(12 hours)',
      ScheduleExpressionTimezone: 'UTC',
    });
  });

  it('lets the Lambda start only rotate-all, refresh-crl, renew-server-certificate, rotate-auth-token and audit-posture, and tells it their ARNs', () => {
    const starter = template.findResources('AWS::Lambda::Function')[starterId()] as Resource;
    const role = (starter.Properties.Role as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0] as string;
    const statements = statementsOfRole(role).filter(
      (s) => ![s.Action].flat().every((a) => a.startsWith('xray:')),
    );
    expect(statements).toHaveLength(5);
    for (const s of statements) expect(s.Action).toBe('states:StartExecution');
    expect(statements.map((s) => s.Resource)).toEqual(
      expect.arrayContaining([
        { Ref: stateMachineId('rotate-all') },
        { Ref: stateMachineId('refresh-crl') },
        { Ref: stateMachineId('renew-server-certificate') },
        { Ref: stateMachineId('rotate-auth-token') },
        { Ref: stateMachineId('audit-posture') },
      ]),
    );
    expect(
      (starter.Properties.Environment as { Variables: Record<string, unknown> }).Variables,
    ).toMatchObject({
      ROTATE_ALL_STATE_MACHINE_ARN: { Ref: stateMachineId('rotate-all') },
      REFRESH_CRL_STATE_MACHINE_ARN: { Ref: stateMachineId('refresh-crl') },
    });
  });

  it('lets the schedules’ role invoke only the starter', () => {
    const schedule = Object.values(template.findResources('AWS::Scheduler::Schedule'))[0] as Resource;
    const role = (schedule.Properties.Target as { RoleArn: { 'Fn::GetAtt': string[] } }).RoleArn[
      'Fn::GetAtt'
    ][0] as string;
    const statements = statementsOfRole(role);
    expect(statements.flatMap((s) => [s.Action].flat())).toEqual(
      statements.map(() => 'lambda:InvokeFunction'),
    );
    expect(JSON.stringify(statements.map((s) => s.Resource))).toContain(starterId());
    expect(JSON.stringify(statements.map((s) => s.Resource))).not.toContain('StateMachine');
  });

  it('defaults to every 30 days and daily in UTC', () => {
    const { schedules: _schedules, ...withoutSchedules } = example;
    const config = loadConfig(configFile('defaults.json', withoutSchedules));
    expect(config.schedules).toEqual({
      rotateAll: { expression: 'rate(30 days)', timeZone: 'UTC' },
      refreshCrl: { expression: 'rate(1 day)', timeZone: 'UTC' },
      renewServerCertificate: { expression: 'rate(1 day)', timeZone: 'UTC' },
      rotateAuthTokens: { expression: 'rate(30 days)', timeZone: 'UTC' },
    });
  });

  it('applies approvals.timeoutSeconds to the approval wait and to the record it sizes', () => {
    const machine = Object.values(
      template.findResources('AWS::StepFunctions::StateMachine', {
        Properties: { StateMachineName: 'cachegate-access-request' },
      }),
    )[0] as { Properties: { DefinitionString: unknown } };
    const definition = JSON.parse(
      typeof machine.Properties.DefinitionString === 'string'
        ? machine.Properties.DefinitionString
        : JSON.stringify(machine.Properties.DefinitionString),
    ) as { States: { RequestApproval: { TimeoutSeconds: number; Parameters: { Payload: object } } } };
    expect(definition.States.RequestApproval.TimeoutSeconds).toBe(3600);
    expect(definition.States.RequestApproval.Parameters.Payload).toMatchObject({ timeoutSeconds: 3600 });
  });

  it('refuses a bad expression, an unknown time zone and the retired options, naming the field', () => {
    const load = (changes: Record<string, unknown>) => () => loadConfig(configFile('bad.json', changes));
    expect(load({ schedules: { rotateAll: { expression: 'every month' } } })).toThrow(
      /schedules\.rotateAll\.expression/,
    );
    expect(
      load({ schedules: { refreshCrl: { expression: 'rate(1 day)', timeZone: 'Mars/Olympus' } } }),
    ).toThrow(/schedules\.refreshCrl\.timeZone/);
    expect(load({ approvals: { approvers: ['U0A'], timeoutSeconds: 60 } })).toThrow(
      /approvals\.timeoutSeconds/,
    );
    expect(load({ approvals: { approvers: ['U0A'], timeoutSeconds: 30 * 86400 } })).toThrow(
      /approvals\.timeoutSeconds: at most 604800 \(7 days\)/,
    );
    expect(load({ clientVpn: { ...(example.clientVpn as object), refreshSchedule: 'rate(1 day)' } })).toThrow(
      /clientVpn\.refreshSchedule: moved to schedules\.refreshCrl/,
    );
  });
});

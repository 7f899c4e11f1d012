import { beforeAll, describe, expect, it } from '@jest/globals';
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { buildApp } from '../../infra/app.js';

let template: Template;
let app: App;

beforeAll(() => {
  // Skip esbuild bundling: assets do not matter to these assertions and bundling is slow.
  app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const built = buildApp(app);
  template = Template.fromStack(built.stack);
});

type Statement = { Action: string | string[]; Resource: unknown };
function statementsOf(policyLogicalIdPrefix: string): Statement[] {
  const policies = template.findResources('AWS::IAM::Policy');
  return Object.entries(policies)
    .filter(([id]) => id.startsWith(policyLogicalIdPrefix))
    .flatMap(
      ([, p]) =>
        (p as { Properties: { PolicyDocument: { Statement: Statement[] } } }).Properties.PolicyDocument
          .Statement,
    );
}

describe('CachegateStack', () => {
  it('synthesizes with cdk-nag and reports no unacknowledged finding', () => {
    expect(() => app.synth()).not.toThrow();
  });

  it('inlines the real access-request ASL with every Lambda placeholder substituted', () => {
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      StateMachineName: 'cachegate-access-request',
      TracingConfiguration: { Enabled: true },
      LoggingConfiguration: Match.objectLike({ Level: 'ALL', IncludeExecutionData: false }),
      DefinitionSubstitutions: Match.objectLike({
        RecordAccessRequestFunctionArn: Match.anyValue(),
        RequestApprovalFunctionArn: Match.anyValue(),
        OnboardUserStateMachineArn: Match.anyValue(),
      }),
    });
    const [machine] = Object.values(template.findResources('AWS::StepFunctions::StateMachine'));
    expect(JSON.stringify(machine)).toContain('waitForTaskToken');
    expect(JSON.stringify(machine)).toContain(':stateMachine:cachegate-onboard-user');
  });

  it('runs every Lambda on nodejs24.x arm64 with X-Ray and a log group that keeps logs a year', () => {
    const functions = template.findResources('AWS::Lambda::Function');
    expect(Object.keys(functions).length).toBeGreaterThanOrEqual(5);
    for (const fn of Object.values(functions) as { Properties: Record<string, unknown> }[]) {
      expect(fn.Properties.Runtime).toBe('nodejs24.x');
      expect(fn.Properties.Architectures).toEqual(['arm64']);
      expect(fn.Properties.TracingConfig).toEqual({ Mode: 'Active' });
    }
    const logGroups = Object.values(template.findResources('AWS::Logs::LogGroup')) as {
      Properties: { RetentionInDays?: number };
    }[];
    expect(logGroups.length).toBeGreaterThanOrEqual(6);
    for (const group of logGroups) expect(group.Properties.RetentionInDays).toBe(365);
  });

  it('grants each function only what it does: no wildcard actions, Step Functions calls scoped to the granting workflows', () => {
    const all = Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
      (p) =>
        (p as { Properties: { PolicyDocument: { Statement: Statement[] } } }).Properties.PolicyDocument
          .Statement,
    );
    for (const statement of all) {
      const actions = [statement.Action].flat();
      for (const action of actions) expect(action).not.toMatch(/^[a-z0-9-]+:\*$|^\*$/);
    }
    const start = statementsOf('AccessRequestsWorkflowstartfulfilment').filter((s) =>
      [s.Action].flat().includes('states:StartExecution'),
    );
    expect(start).toHaveLength(1);
    expect(JSON.stringify(start[0]!.Resource)).toMatch(
      /stateMachine:cachegate-onboard-user.*stateMachine:cachegate-issue-certificate/,
    );
    const check = statementsOf('AccessRequestsWorkflowcheckfulfilment');
    expect(check.flatMap((s) => [s.Action].flat())).not.toContain('states:StartExecution');
    expect(check.flatMap((s) => [s.Action].flat()).filter((a) => a.startsWith('dynamodb:'))).toEqual([]);
  });

  it('keeps access requests in a table with point-in-time recovery and TTL', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
    });
  });
});

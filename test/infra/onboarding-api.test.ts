import { beforeAll, describe, expect, it } from '@jest/globals';
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AttributeType, Table } from 'aws-cdk-lib/aws-dynamodb';
import { EventBus } from 'aws-cdk-lib/aws-events';
import { Code, Function as LambdaFunction, Runtime } from 'aws-cdk-lib/aws-lambda';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { buildApp } from '../../infra/app.js';
import { OnboardingApi, type OnboardingApiAuth } from '../../infra/constructs/onboarding-api.js';

// Skip esbuild bundling: assets do not matter to these assertions and bundling is slow.
const noBundling = () => new App({ context: { 'aws:cdk:bundling-stacks': [] } });

type Statement = { Action: string | string[]; Resource: unknown };
function statementsOf(template: Template, policyLogicalIdPrefix: string): Statement[] {
  return Object.entries(template.findResources('AWS::IAM::Policy'))
    .filter(([id]) => id.startsWith(policyLogicalIdPrefix))
    .flatMap(
      ([, p]) =>
        (p as { Properties: { PolicyDocument: { Statement: Statement[] } } }).Properties.PolicyDocument
          .Statement,
    );
}
const actionsOf = (statements: Statement[]) => statements.flatMap((s) => [s.Action].flat());

function standalone(auth: OnboardingApiAuth): Template {
  const stack = new Stack(noBundling(), 'Test', { env: { account: '111111111111', region: 'eu-west-1' } });
  const requestApproval = new LambdaFunction(stack, 'RequestApproval', {
    runtime: Runtime.NODEJS_24_X,
    handler: 'index.handler',
    code: Code.fromInline('export const handler = async () => ({})'),
  });
  new OnboardingApi(stack, 'OnboardingApi', {
    auth,
    table: new Table(stack, 'Table', { partitionKey: { name: 'pk', type: AttributeType.STRING } }),
    auditBus: new EventBus(stack, 'Bus'),
    logRetention: RetentionDays.ONE_YEAR,
    approvers: ['U0ALICE|arn:aws:iam::111111111111:user/alice'],
    stateMachineArns: {
      accessRequest: 'arn:aws:states:eu-west-1:111111111111:stateMachine:cachegate-access-request',
      offboardUser: 'arn:aws:states:eu-west-1:111111111111:stateMachine:cachegate-offboard-user',
      revokeCertificate: 'arn:aws:states:eu-west-1:111111111111:stateMachine:cachegate-revoke-certificate',
    },
    slack: { channelId: 'C0APPROVALS' },
    requestApprovalFunction: requestApproval as unknown as NodejsFunction,
    throttle: { rateLimit: 5, burstLimit: 10 },
  });
  return Template.fromStack(stack);
}

describe('OnboardingApi in the CachegateStack (example config: IAM auth)', () => {
  let app: App;
  let template: Template;
  beforeAll(() => {
    app = noBundling();
    template = Template.fromStack(buildApp(app).stack);
  });

  it('synthesizes with no unacknowledged cdk-nag finding', () => {
    expect(() => app.synth()).not.toThrow();
  });

  it('protects the API routes with IAM and leaves only the Slack route to its signature check', () => {
    const methods = Object.values(template.findResources('AWS::ApiGateway::Method')) as {
      Properties: { HttpMethod: string; AuthorizationType: string };
    }[];
    const auth = methods.map((m) => `${m.Properties.HttpMethod}:${m.Properties.AuthorizationType}`).sort();
    expect(auth).toEqual([
      'GET:AWS_IAM',
      'POST:AWS_IAM',
      'POST:AWS_IAM',
      'POST:AWS_IAM',
      'POST:AWS_IAM',
      'POST:NONE',
    ]);
  });

  it('has the two IAM-authorized approval routes, served by the decision function', () => {
    const resources = template.findResources('AWS::ApiGateway::Resource') as Record<
      string,
      { Properties: { PathPart: string; ParentId: unknown } }
    >;
    const pathOf = (id: string): string => {
      const resource = resources[id];
      if (!resource) return '';
      const parent = (resource.Properties.ParentId as { Ref?: string }).Ref;
      return `${parent ? pathOf(parent) : ''}/${resource.Properties.PathPart}`;
    };
    const decideFunction = Object.entries(template.findResources('AWS::Lambda::Function')).find(
      ([, f]) =>
        (f as { Properties: { FunctionName?: string } }).Properties.FunctionName ===
        'cachegate-api-decide-approval',
    )?.[0];
    const routes = Object.values(template.findResources('AWS::ApiGateway::Method'))
      .map(
        (m) =>
          m as {
            Properties: {
              HttpMethod: string;
              AuthorizationType: string;
              ResourceId: { Ref: string };
              Integration: unknown;
            };
          },
      )
      .filter((m) => pathOf(m.Properties.ResourceId.Ref).startsWith('/approvals'))
      .map((m) => ({
        route: `${m.Properties.HttpMethod} ${pathOf(m.Properties.ResourceId.Ref)}`,
        auth: m.Properties.AuthorizationType,
        decides: JSON.stringify(m.Properties.Integration).includes(decideFunction as string),
      }))
      .sort((a, b) => a.route.localeCompare(b.route));
    expect(routes).toEqual([
      { route: 'POST /approvals/{approvalId}/approve', auth: 'AWS_IAM', decides: true },
      { route: 'POST /approvals/{approvalId}/reject', auth: 'AWS_IAM', decides: true },
    ]);
  });

  it('lets only the decision path answer a task: no other policy can call SendTaskSuccess / SendTaskFailure', () => {
    const roleOf = (functionName: string) =>
      (
        Object.values(template.findResources('AWS::Lambda::Function')).find(
          (f) => (f as { Properties: { FunctionName?: string } }).Properties.FunctionName === functionName,
        ) as { Properties: { Role: { 'Fn::GetAtt': [string, string] } } }
      ).Properties.Role['Fn::GetAtt'][0];
    const decisionRoles = ['cachegate-slack-interaction', 'cachegate-api-decide-approval'].map(roleOf);
    // An action pattern (`states:*`, `*`, `states:Send*`) covers the call it matches.
    const covers = (pattern: string, action: string) =>
      new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`, 'i').test(action);
    const answering: { roles: string[]; resource: unknown }[] = [];
    for (const type of ['AWS::IAM::Policy', 'AWS::IAM::ManagedPolicy']) {
      for (const policy of Object.values(template.findResources(type))) {
        const {
          PolicyDocument,
          Roles = [],
          Users = [],
          Groups = [],
        } = (
          policy as {
            Properties: {
              PolicyDocument: { Statement: (Statement & { Effect: string })[] };
              Roles?: { Ref: string }[];
              Users?: unknown[];
              Groups?: unknown[];
            };
          }
        ).Properties;
        for (const statement of PolicyDocument.Statement) {
          const actions = [statement.Action].flat();
          if (statement.Effect !== 'Allow') continue;
          if (
            !actions.some((a) => covers(a, 'states:SendTaskSuccess') || covers(a, 'states:SendTaskFailure'))
          )
            continue;
          expect(Users).toEqual([]);
          expect(Groups).toEqual([]);
          answering.push({ roles: Roles.map((r) => r.Ref), resource: statement.Resource });
        }
      }
    }
    for (const role of Object.values(template.findResources('AWS::IAM::Role'))) {
      const inline = (role as { Properties: { Policies?: unknown[] } }).Properties.Policies ?? [];
      expect(JSON.stringify(inline)).not.toMatch(/states:(SendTask|\*)|"\*"/);
    }
    expect(
      answering
        .map((a) => a.roles)
        .flat()
        .sort(),
    ).toEqual([...decisionRoles].sort());
    for (const { resource } of answering)
      expect(JSON.stringify(resource)).toMatch(/^\{"Ref":"AccessRequestsWorkflowStateMachine[A-Z0-9]+"\}$/);
  });

  it('validates the POST body against a JSON schema model and requires the Idempotency-Key header', () => {
    template.hasResourceProperties('AWS::ApiGateway::Model', {
      Name: 'CreateAccessRequest',
      Schema: Match.objectLike({ additionalProperties: false, required: ['kind', 'justification'] }),
    });
    template.hasResourceProperties('AWS::ApiGateway::Method', {
      HttpMethod: 'POST',
      AuthorizationType: 'AWS_IAM',
      RequestParameters: { 'method.request.header.Idempotency-Key': true },
      RequestValidatorId: Match.anyValue(),
      RequestModels: { 'application/json': Match.anyValue() },
    });
  });

  it('throttles the stage, writes access logs and never logs request data', () => {
    template.hasResourceProperties('AWS::ApiGateway::Stage', {
      StageName: 'v1',
      TracingEnabled: true,
      AccessLogSetting: Match.objectLike({ DestinationArn: Match.anyValue() }),
      MethodSettings: [
        Match.objectLike({ ThrottlingRateLimit: 10, ThrottlingBurstLimit: 20, DataTraceEnabled: false }),
      ],
    });
  });

  it('keeps task tokens from the request functions: their DynamoDB grants exclude approval items', () => {
    for (const prefix of [
      'OnboardingApiapicreateaccessrequest',
      'OnboardingApiapigetaccessrequest',
      'OnboardingApiapirevokeaccessrequest',
    ]) {
      const dynamo = (
        statementsOf(template, prefix) as (Statement & { Condition?: Record<string, unknown> })[]
      ).filter((s) => actionsOf([s]).some((a) => a.startsWith('dynamodb:')));
      expect(dynamo.length).toBeGreaterThan(0);
      for (const statement of dynamo) {
        const keys = (statement.Condition?.['ForAllValues:StringLike'] as Record<string, string[]>)?.[
          'dynamodb:LeadingKeys'
        ];
        expect(keys?.length).toBeGreaterThan(0);
        for (const key of keys ?? []) expect(['REQUEST#*', 'IDEMPOTENCY#*']).toContain(key);
      }
    }
  });

  it('grants each API function only its own calls', () => {
    const create = statementsOf(template, 'OnboardingApiapicreateaccessrequest');
    const start = create.filter((s) => [s.Action].flat().includes('states:StartExecution'));
    expect(JSON.stringify(start.map((s) => s.Resource))).toContain('AccessRequestsWorkflowStateMachine');
    expect(actionsOf(create)).not.toContain('events:PutEvents');

    const get = statementsOf(template, 'OnboardingApiapigetaccessrequest');
    expect(actionsOf(get).filter((a) => /PutItem|DeleteItem|StartExecution|SendTask/.test(a))).toEqual([]);
    // It may record a revocation's end: read the revoke-<id> executions, update the request.
    const describe = get.filter((s) => [s.Action].flat().includes('states:DescribeExecution'));
    expect(JSON.stringify(describe.map((s) => s.Resource))).toMatch(
      /execution:cachegate-offboard-user:revoke-\*.*execution:cachegate-revoke-certificate:revoke-\*/,
    );
    expect(get.find((s) => s.Action === 'dynamodb:UpdateItem')?.Resource).toEqual({
      'Fn::GetAtt': [expect.stringMatching(/^AccessRequestsTable/), 'Arn'],
    });

    const revoke = statementsOf(template, 'OnboardingApiapirevokeaccessrequest');
    const revokeStart = revoke.filter((s) => [s.Action].flat().includes('states:StartExecution'));
    expect(JSON.stringify(revokeStart[0]?.Resource)).toMatch(
      /cachegate-offboard-user.*cachegate-revoke-certificate/,
    );

    const slack = statementsOf(template, 'OnboardingApislackinteraction');
    expect(actionsOf(slack)).toEqual(
      expect.arrayContaining(['states:SendTaskSuccess', 'states:SendTaskFailure']),
    );
    expect(actionsOf(slack)).toContain('secretsmanager:GetSecretValue');
    expect(actionsOf(slack)).not.toContain('states:StartExecution');
  });

  it('gives request-approval the Slack channel and secret, and the interaction function its approvers', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: 'cachegate-request-approval',
      Environment: {
        Variables: Match.objectLike({
          SLACK_APPROVAL_CHANNEL: 'C0APPROVALS',
          SLACK_SECRET_ARN: Match.anyValue(),
        }),
      },
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: 'cachegate-slack-interaction',
      Environment: { Variables: Match.objectLike({ APPROVERS: 'U0APPROVER1,U0APPROVER2' }) },
    });
  });
});

describe('OnboardingApi with Cognito', () => {
  it('uses a Cognito user pool authorizer on the API routes, not on the Slack route', () => {
    const template = standalone({
      type: 'cognito',
      userPoolArn: 'arn:aws:cognito-idp:eu-west-1:111111111111:userpool/eu-west-1_abcdefgh',
    });
    template.resourceCountIs('AWS::ApiGateway::Authorizer', 1);
    const methods = Object.values(template.findResources('AWS::ApiGateway::Method')) as {
      Properties: { AuthorizationType: string };
    }[];
    // Approvers always sign with IAM: the approval routes do not follow the requesters' auth.
    expect(methods.map((m) => m.Properties.AuthorizationType).sort()).toEqual([
      'AWS_IAM',
      'AWS_IAM',
      'COGNITO_USER_POOLS',
      'COGNITO_USER_POOLS',
      'COGNITO_USER_POOLS',
      'NONE',
    ]);
    template.hasResourceProperties('AWS::ApiGateway::Stage', {
      MethodSettings: [Match.objectLike({ ThrottlingRateLimit: 5, ThrottlingBurstLimit: 10 })],
    });
  });
});

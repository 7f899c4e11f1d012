import { CfnOutput, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import {
  AccessLogFormat,
  AuthorizationType,
  CognitoUserPoolsAuthorizer,
  LambdaIntegration,
  LogGroupLogDestination,
  MethodLoggingLevel,
  Model,
  RequestValidator,
  RestApi,
  type MethodOptions,
} from 'aws-cdk-lib/aws-apigateway';
import { UserPool } from 'aws-cdk-lib/aws-cognito';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { grantAccessRequestItems } from './access-request-items.js';
import { ACCESS_REQUEST_MODEL_SCHEMA } from './access-request-model.js';
import { cachegateFunction } from './cachegate-function.js';
import { ACCESS_REQUEST_ITEMS, ACCESS_REQUESTS_TABLE } from '../../functions/aws/table-definitions.js';
import { stateMachineEnvVar } from '../../functions/core/api/workflow-arns.js';

export type OnboardingApiAuth = { type: 'iam' } | { type: 'cognito'; userPoolArn: string };

export interface OnboardingApiProps {
  auth: OnboardingApiAuth;
  table: ITable;
  auditBus: IEventBus;
  logRetention: RetentionDays;
  /** APPROVERS: one entry per person, that person's identities joined by `|`. */
  approvers: string[];
  /** Role ARNs whose session name names a person (see `identityFromIamArn`). */
  personalSessionRoles?: string[];
  /** Workflow ARNs by convention name: access-request, offboard-user, revoke-certificate. */
  stateMachineArns: { accessRequest: string; offboardUser: string; revokeCertificate: string };
  /** request-approval posts the Approve / Reject message into this channel (none: no Slack message). */
  slack?: { channelId: string };
  /** The access-request workflow's request-approval function, which posts to Slack. */
  requestApprovalFunction: NodejsFunction;
  throttle: { rateLimit: number; burstLimit: number };
}

/**
 * The onboarding API (API Gateway REST, Lambda proxy integration): POST /access-requests,
 * GET /access-requests/{id}, POST /access-requests/{id}/revoke behind IAM or Cognito auth,
 * POST /approvals/{approvalId}/approve|reject behind IAM auth (the approver is the caller), and
 * POST /slack/interactions without API Gateway auth: Slack signs its requests and the Lambda
 * verifies the signature on the raw body. The Slack signing secret and bot token live in one
 * Secrets Manager secret the operator fills in after deploy.
 */
export class OnboardingApi extends Construct {
  readonly api: RestApi;
  readonly slackSecret: Secret;
  readonly functions: Record<string, NodejsFunction> = {};

  constructor(scope: Construct, id: string, props: OnboardingApiProps) {
    super(scope, id);
    this.slackSecret = new Secret(this, 'SlackSecret', {
      secretName: 'cachegate/slack',
      description:
        'cachegate Slack app: JSON {"signingSecret": "...", "botToken": "xoxb-..."} (fill in after deploy)',
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(this.slackSecret).acknowledge({
      id: 'AwsSolutions::AwsSolutions-SMG4',
      reason:
        'Slack issues the signing secret and bot token; they are rotated in the Slack app, not by a Lambda.',
    });

    const environment = {
      [ACCESS_REQUESTS_TABLE.envVar]: props.table.tableName,
      AUDIT_EVENT_BUS: props.auditBus.eventBusName,
      APPROVERS: props.approvers.join(','),
      PERSONAL_SESSION_ROLES: (props.personalSessionRoles ?? []).join(','),
      [stateMachineEnvVar('access-request')]: props.stateMachineArns.accessRequest,
      [stateMachineEnvVar('offboard-user')]: props.stateMachineArns.offboardUser,
      [stateMachineEnvVar('revoke-certificate')]: props.stateMachineArns.revokeCertificate,
      SLACK_SECRET_ARN: this.slackSecret.secretArn,
    };
    const create = this.lambda('api-create-access-request', props, environment);
    const get = this.lambda('api-get-access-request', props, environment);
    const revoke = this.lambda('api-revoke-access-request', props, environment);
    const slack = this.lambda('slack-interaction', props, environment);
    const decide = this.lambda('api-decide-approval', props, environment);

    // Least privilege, function by function. The request functions reach only the items they
    // use, by key prefix: an approval item (it holds the task token) is out of their reach.
    const { request, approval: approvalItem, idempotencyClaim } = ACCESS_REQUEST_ITEMS;
    const grantItems = (fn: NodejsFunction, actions: string[], prefixes: string[]) =>
      grantAccessRequestItems(fn, props.table, actions, prefixes);
    grantItems(create, ['GetItem'], [request, idempotencyClaim]);
    grantItems(create, ['PutItem'], [idempotencyClaim]);
    grantItems(get, ['GetItem'], [request, idempotencyClaim]);
    // GET records a revocation's end (REVOKING → REVOKED / REVOKE_FAILED): one conditional update,
    // after reading the `revoke-<requestId>` execution of the revoking workflows.
    grantItems(get, ['UpdateItem'], [request]);
    const revocationExecutions = [
      props.stateMachineArns.offboardUser,
      props.stateMachineArns.revokeCertificate,
    ].map((arn) => `${executionArnPrefix(arn)}:revoke-*`);
    get.addToRolePolicy(
      new PolicyStatement({ actions: ['states:DescribeExecution'], resources: revocationExecutions }),
    );
    for (const resource of revocationExecutions) {
      Validations.of(get).acknowledge({
        id: `AwsSolutions::AwsSolutions-IAM5[Resource::${nagResourceName(this, resource)}]`,
        reason:
          'Only the revoke-<requestId> executions of the two revoking workflows; request IDs are made at run time.',
      });
    }
    grantItems(revoke, ['GetItem', 'UpdateItem'], [request]);
    props.table.grantReadWriteData(slack);
    grantItems(decide, ['GetItem', 'UpdateItem'], [request, approvalItem]);
    props.auditBus.grantPutEventsTo(revoke);
    props.auditBus.grantPutEventsTo(slack);
    props.auditBus.grantPutEventsTo(decide);
    this.slackSecret.grantRead(slack);
    create.addToRolePolicy(
      new PolicyStatement({
        actions: ['states:StartExecution'],
        resources: [props.stateMachineArns.accessRequest],
      }),
    );
    revoke.addToRolePolicy(
      new PolicyStatement({
        actions: ['states:StartExecution'],
        resources: [props.stateMachineArns.offboardUser, props.stateMachineArns.revokeCertificate],
      }),
    );
    // The decision path, and nothing else, answers approval tasks: the Slack endpoint and the
    // IAM-authorized approval routes, both through `decideApproval`. Approvers hold no
    // Step Functions or DynamoDB permission at all.
    for (const fn of [slack, decide]) {
      fn.addToRolePolicy(
        new PolicyStatement({
          actions: ['states:SendTaskSuccess', 'states:SendTaskFailure'],
          resources: [props.stateMachineArns.accessRequest],
        }),
      );
    }
    if (props.slack) {
      this.slackSecret.grantRead(props.requestApprovalFunction);
      props.requestApprovalFunction.addEnvironment('SLACK_SECRET_ARN', this.slackSecret.secretArn);
      props.requestApprovalFunction.addEnvironment('SLACK_APPROVAL_CHANNEL', props.slack.channelId);
    }

    const accessLogs = new LogGroup(this, 'AccessLogs', {
      logGroupName: '/aws/apigateway/cachegate-onboarding-api',
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.api = new RestApi(this, 'Api', {
      restApiName: 'cachegate-onboarding',
      description: 'cachegate access requests and Slack approvals',
      cloudWatchRole: true,
      cloudWatchRoleRemovalPolicy: RemovalPolicy.RETAIN,
      deployOptions: {
        stageName: 'v1',
        throttlingRateLimit: props.throttle.rateLimit,
        throttlingBurstLimit: props.throttle.burstLimit,
        accessLogDestination: new LogGroupLogDestination(accessLogs),
        accessLogFormat: AccessLogFormat.jsonWithStandardFields(),
        loggingLevel: MethodLoggingLevel.ERROR,
        // Request bodies may carry CSRs and justifications: never in execution logs.
        dataTraceEnabled: false,
        tracingEnabled: true,
      },
    });
    // A fixed logical ID: operators read it after the first deploy (docs/vpn-access.md).
    new CfnOutput(this, 'OnboardingApiUrl', {
      value: this.api.url,
      description: 'the onboarding API (access requests, Slack approvals)',
    }).overrideLogicalId('OnboardingApiUrl');
    Validations.of(this.api).acknowledge({
      id: 'AwsSolutions::AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
      reason: "API Gateway's account-level logging role: the AWS-managed policy is the documented one.",
    });
    Validations.of(this.api).acknowledge({
      id: 'AwsSolutions::AwsSolutions-APIG3',
      reason:
        'Every route is authenticated (IAM/Cognito, or the Slack signature) and throttled; a WAF is the deployer’s choice.',
    });

    const protectedMethod = this.authorization(props.auth);
    const bodyValidator = new RequestValidator(this, 'BodyValidator', {
      restApi: this.api,
      validateRequestBody: true,
      validateRequestParameters: true,
    });
    const paramsValidator = new RequestValidator(this, 'ParamsValidator', {
      restApi: this.api,
      validateRequestParameters: true,
    });
    const requests = this.api.root.addResource('access-requests');
    requests.addMethod('POST', new LambdaIntegration(create), {
      ...protectedMethod,
      requestValidator: bodyValidator,
      requestParameters: { 'method.request.header.Idempotency-Key': true },
      requestModels: { 'application/json': this.createRequestModel() },
    });
    const one = requests.addResource('{id}');
    one.addMethod('GET', new LambdaIntegration(get), {
      ...protectedMethod,
      requestValidator: paramsValidator,
      requestParameters: { 'method.request.path.id': true },
    });
    one.addResource('revoke').addMethod('POST', new LambdaIntegration(revoke), {
      ...protectedMethod,
      requestValidator: paramsValidator,
      requestParameters: { 'method.request.path.id': true },
    });
    // Always IAM: the approver is the IAM identity API Gateway verified (SigV4), whatever
    // authenticates requesters. The decision is the route; the body must be empty.
    const approval = this.api.root.addResource('approvals').addResource('{approvalId}');
    const decisionMethods = ['approve', 'reject'].map((route) =>
      approval.addResource(route).addMethod('POST', new LambdaIntegration(decide), {
        authorizationType: AuthorizationType.IAM,
        requestValidator: paramsValidator,
        requestParameters: { 'method.request.path.approvalId': true },
      }),
    );
    for (const method of decisionMethods) {
      Validations.of(method).acknowledge({
        id: 'AwsSolutions::AwsSolutions-COG4',
        reason:
          'Approvers are IAM identities (SigV4): API Gateway verifies them and the allowed list is in the deployed configuration.',
      });
    }
    const slackMethod = this.api.root
      .addResource('slack')
      .addResource('interactions')
      .addMethod('POST', new LambdaIntegration(slack), { authorizationType: AuthorizationType.NONE });
    for (const rule of ['APIG4', 'COG4']) {
      Validations.of(slackMethod).acknowledge({
        id: `AwsSolutions::AwsSolutions-${rule}`,
        reason:
          'Slack cannot sign with AWS credentials: the Lambda verifies the Slack v0 HMAC signature on the raw body (5-minute window, replay refused).',
      });
    }
    Validations.of(slackMethod).acknowledge({
      id: 'AwsSolutions::AwsSolutions-APIG2',
      reason:
        'Slack posts form-encoded bodies; the Lambda parses the signed payload with zod after verifying the signature.',
    });
    if (props.auth.type === 'iam') {
      for (const method of [requests.node.findChild('POST'), one.node.findChild('GET')]) {
        Validations.of(method).acknowledge({
          id: 'AwsSolutions::AwsSolutions-COG4',
          reason: 'IAM (SigV4) authorization was chosen for this deployment; Cognito is the alternative.',
        });
      }
      Validations.of(one.node.findChild('revoke')).acknowledge({
        id: 'AwsSolutions::AwsSolutions-COG4',
        reason: 'IAM (SigV4) authorization was chosen for this deployment; Cognito is the alternative.',
      });
    }
  }

  private authorization(auth: OnboardingApiAuth): MethodOptions {
    if (auth.type === 'iam') return { authorizationType: AuthorizationType.IAM };
    const userPool = UserPool.fromUserPoolArn(this, 'UserPool', auth.userPoolArn);
    const authorizer = new CognitoUserPoolsAuthorizer(this, 'Authorizer', { cognitoUserPools: [userPool] });
    return { authorizationType: AuthorizationType.COGNITO, authorizer };
  }

  /** The POST body's shape, checked by API Gateway before the Lambda (which checks it again with zod). */
  private createRequestModel(): Model {
    return new Model(this, 'CreateAccessRequestModel', {
      restApi: this.api,
      contentType: 'application/json',
      modelName: 'CreateAccessRequest',
      schema: ACCESS_REQUEST_MODEL_SCHEMA,
    });
  }

  private lambda(
    name: string,
    props: OnboardingApiProps,
    environment: Record<string, string>,
  ): NodejsFunction {
    const fn = cachegateFunction(this, name, {
      logRetention: props.logRetention,
      environment,
      // Measured: a cold answer is ~170 ms of CPU, ~0.6 s at 512 MB's share of a vCPU (docs/cold-start.md).
      memorySize: 512,
      // Work takes well under a second (Slack wants an answer in 3 s); 10 s leaves room for a cold start.
      timeout: Duration.seconds(10),
    });
    this.functions[name] = fn;
    return fn;
  }
}

/** `arn:…:stateMachine:name` → `arn:…:execution:name` (the prefix of its executions' ARNs). */
function executionArnPrefix(stateMachineArn: string): string {
  if (!stateMachineArn.includes(':stateMachine:'))
    throw new Error(`not a state machine ARN: ${stateMachineArn}`);
  return stateMachineArn.replace(':stateMachine:', ':execution:');
}

/** A resource as cdk-nag names it in a finding: pseudo parameters as `<AWS::Partition>`. */
function nagResourceName(scope: Construct, value: string): string {
  const resolved = Stack.of(scope).resolve(value) as string | { 'Fn::Join': [string, unknown[]] };
  if (typeof resolved === 'string') return resolved;
  return resolved['Fn::Join'][1]
    .map((part) => (typeof part === 'string' ? part : `<${(part as { Ref: string }).Ref}>`))
    .join('');
}

/** Throttling defaults: an onboarding API sees a handful of requests a minute. */
export const DEFAULT_API_THROTTLE = { rateLimit: 10, burstLimit: 20 };

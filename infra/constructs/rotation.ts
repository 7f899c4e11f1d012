import { join } from 'node:path';
import { ArnFormat, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { AttributeType, BillingMode, Table } from 'aws-cdk-lib/aws-dynamodb';
import { Rule, RuleTargetInput, Schedule, type IEventBus } from 'aws-cdk-lib/aws-events';
import { SfnStateMachine } from 'aws-cdk-lib/aws-events-targets';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { ROTATION_LOCKS_TABLE } from '../../functions/aws/table-definitions.js';
import { USER_SECRET_NAME_PREFIX } from '../../functions/core/rbac/user-secret.js';
import { repoRoot } from '../../local/repo-root.js';
import { AslWorkflow } from './asl-workflow.js';

export interface RotationProps {
  auditBus: IEventBus;
  logRetention: RetentionDays;
  /** How often rotate-all runs for every user (default 30 days). */
  rotateEvery?: Duration;
  /**
   * The cache's primary endpoint (`host:port`, TLS) for the AUTH probe. Without it the
   * verification step reports `skipped`. The verify function must then also be placed in the
   * cache's VPC (not configured here yet).
   */
  probeEndpoint?: string;
}

type Access = 'lock' | 'audit' | 'metrics' | 'listSecrets';
interface Grant {
  elastiCache?: { actions: readonly string[]; resource: 'user' | 'usergroup' }[];
  secrets?: string[];
  other?: Access[];
}

const describeUsers = { actions: ['elasticache:DescribeUsers'], resource: 'user' } as const;
const modifyUser = { actions: ['elasticache:ModifyUser'], resource: 'user' } as const;

/** What each rotation function calls, and nothing more. */
const GRANTS: Record<string, Grant> = {
  'begin-password-rotation': {
    elastiCache: [describeUsers],
    secrets: ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue'],
    other: ['lock'],
  },
  'store-pending-password': {
    secrets: [
      'secretsmanager:DescribeSecret',
      'secretsmanager:GetSecretValue',
      'secretsmanager:PutSecretValue',
    ],
  },
  'set-rotation-passwords': {
    elastiCache: [describeUsers, modifyUser],
    secrets: ['secretsmanager:GetSecretValue'],
  },
  'check-rotation-passwords': { elastiCache: [describeUsers] },
  'verify-pending-password': { secrets: ['secretsmanager:GetSecretValue'] },
  'promote-pending-password': {
    secrets: ['secretsmanager:DescribeSecret', 'secretsmanager:UpdateSecretVersionStage'],
  },
  'finish-password-rotation': { other: ['audit', 'lock'] },
  'abandon-password-rotation': { other: ['lock'] },
  'select-rotation-users': {
    elastiCache: [describeUsers, { actions: ['elasticache:DescribeUserGroups'], resource: 'usergroup' }],
    other: ['listSecrets'],
  },
  'summarise-rotation': { other: ['audit', 'metrics'] },
  'rotate-secret': {
    elastiCache: [describeUsers, modifyUser],
    secrets: [
      'secretsmanager:DescribeSecret',
      'secretsmanager:GetSecretValue',
      'secretsmanager:PutSecretValue',
      'secretsmanager:UpdateSecretVersionStage',
    ],
  },
};

/**
 * Password rotation (design rule 3): the rotate-password and rotate-all workflows (sharing one
 * Lambda per function), the per-user rotation lock table, the EventBridge schedule that runs
 * rotate-all, and the Secrets Manager rotation function for teams using native rotation.
 */
export class Rotation extends Construct {
  readonly locks: Table;
  readonly rotatePassword: AslWorkflow;
  readonly rotateAll: AslWorkflow;
  readonly rotateSecretFunction: NodejsFunction;
  readonly schedule: Rule;

  constructor(scope: Construct, id: string, props: RotationProps) {
    super(scope, id);
    this.locks = new Table(this, 'Locks', {
      partitionKey: { name: ROTATION_LOCKS_TABLE.partitionKey, type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      timeToLiveAttribute: ROTATION_LOCKS_TABLE.timeToLiveAttribute,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const environment = {
      AUDIT_EVENT_BUS: props.auditBus.eventBusName,
      [ROTATION_LOCKS_TABLE.envVar]: this.locks.tableName,
      ...(props.probeEndpoint ? { ROTATION_PROBE_ENDPOINT: props.probeEndpoint } : {}),
    };
    this.rotatePassword = new AslWorkflow(this, 'RotatePassword', {
      name: 'rotate-password',
      logRetention: props.logRetention,
      environment,
    });
    this.rotateAll = new AslWorkflow(this, 'RotateAll', {
      name: 'rotate-all',
      logRetention: props.logRetention,
      environment,
      sharedFunctions: this.rotatePassword.functions,
    });
    this.rotateSecretFunction = this.secretsManagerRotationFunction(props.logRetention, environment);
    const functions = {
      ...this.rotatePassword.functions,
      ...this.rotateAll.functions,
      'rotate-secret': this.rotateSecretFunction,
    };
    for (const [name, fn] of Object.entries(functions)) this.grant(name, fn, props);

    this.schedule = new Rule(this, 'Schedule', {
      description: 'cachegate: rotate every cache user password (rotate-all)',
      schedule: Schedule.rate(props.rotateEvery ?? Duration.days(30)),
      targets: [
        new SfnStateMachine(this.rotateAll.stateMachine, {
          input: RuleTargetInput.fromObject({ selector: { all: true }, requestedBy: 'cachegate-schedule' }),
        }),
      ],
    });
  }

  private secretsManagerRotationFunction(
    logRetention: RetentionDays,
    environment: Record<string, string>,
  ): NodejsFunction {
    const fn = new NodejsFunction(this, 'rotate-secret', {
      functionName: 'cachegate-rotate-secret',
      entry: join(repoRoot(), 'functions', 'rotate-secret', 'handler.ts'),
      handler: 'handler',
      projectRoot: repoRoot(),
      depsLockFilePath: join(repoRoot(), 'package-lock.json'),
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: 256,
      timeout: Duration.seconds(60),
      tracing: Tracing.ACTIVE,
      logGroup: new LogGroup(this, 'rotate-secret-logs', {
        logGroupName: '/aws/lambda/cachegate-rotate-secret',
        retention: logRetention,
        removalPolicy: RemovalPolicy.RETAIN,
      }),
      environment: {
        POWERTOOLS_SERVICE_NAME: 'cachegate',
        POWERTOOLS_METRICS_NAMESPACE: 'cachegate',
        NODE_OPTIONS: '--enable-source-maps',
        ...environment,
      },
      bundling: {
        format: OutputFormat.ESM,
        target: 'node22',
        minify: true,
        sourceMap: true,
        mainFields: ['module', 'main'],
        banner: "import { createRequire } from 'module'; const require = createRequire(import.meta.url);",
      },
    });
    // Only Secrets Manager of this account may invoke it (as a rotation function).
    fn.addPermission('SecretsManagerInvoke', {
      principal: new ServicePrincipal('secretsmanager.amazonaws.com'),
      sourceAccount: Stack.of(this).account,
    });
    Validations.of(fn).acknowledge({
      id: 'AwsSolutions::AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      reason: "AWSLambdaBasicExecutionRole only allows writing the function's own CloudWatch logs.",
    });
    Validations.of(fn).acknowledge({
      id: 'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
      reason: 'X-Ray tracing (xray:PutTraceSegments/PutTelemetryRecords) only supports Resource "*".',
    });
    Validations.of(fn).acknowledge({
      id: 'AwsSolutions::AwsSolutions-L1',
      reason: 'nodejs22.x is the runtime cachegate is built and tested for (design.md).',
    });
    return fn;
  }

  private grant(name: string, fn: NodejsFunction, props: RotationProps): void {
    const grant = GRANTS[name];
    if (!grant) throw new Error(`infra/constructs/rotation.ts: no grant reviewed for function ${name}`);
    const stack = Stack.of(this);
    const acknowledge = (resource: string, reason: string) =>
      Validations.of(fn).acknowledge({
        id: `AwsSolutions::AwsSolutions-IAM5[Resource::${resource}]`,
        reason,
      });
    for (const { actions, resource } of grant.elastiCache ?? []) {
      fn.addToRolePolicy(
        new PolicyStatement({
          actions: [...actions],
          resources: [
            stack.formatArn({
              service: 'elasticache',
              resource,
              resourceName: '*',
              arnFormat: ArnFormat.COLON_RESOURCE_NAME,
            }),
          ],
        }),
      );
      acknowledge(
        `arn:<AWS::Partition>:elasticache:${stack.region}:${stack.account}:${resource}:*`,
        `ElastiCache ${resource} IDs are chosen at run time; the narrowest ARN the ElastiCache IAM reference allows.`,
      );
    }
    if (grant.secrets) {
      fn.addToRolePolicy(
        new PolicyStatement({
          actions: grant.secrets,
          resources: [
            stack.formatArn({
              service: 'secretsmanager',
              resource: 'secret',
              resourceName: `${USER_SECRET_NAME_PREFIX}*`,
              arnFormat: ArnFormat.COLON_RESOURCE_NAME,
            }),
          ],
        }),
      );
      acknowledge(
        `arn:<AWS::Partition>:secretsmanager:${stack.region}:${stack.account}:secret:${USER_SECRET_NAME_PREFIX}*`,
        'One secret per cache user, named at run time under cachegate’s user-secret prefix (the ARN ends in a random suffix).',
      );
    }
    for (const access of grant.other ?? []) {
      if (access === 'lock') {
        fn.addToRolePolicy(
          new PolicyStatement({
            actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:DeleteItem'],
            resources: [this.locks.tableArn],
          }),
        );
      } else if (access === 'audit') {
        props.auditBus.grantPutEventsTo(fn);
      } else if (access === 'metrics') {
        fn.addToRolePolicy(
          new PolicyStatement({
            actions: ['cloudwatch:PutMetricData'],
            resources: ['*'],
            conditions: { StringEquals: { 'cloudwatch:namespace': 'cachegate' } },
          }),
        );
      } else {
        fn.addToRolePolicy(
          new PolicyStatement({ actions: ['secretsmanager:ListSecrets'], resources: ['*'] }),
        );
      }
    }
  }
}

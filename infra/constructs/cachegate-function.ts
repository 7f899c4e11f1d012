import { join } from 'node:path';
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { Rule, RuleTargetInput, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { METRICS_NAMESPACE } from '../../functions/aws/cloudwatch-metrics.js';
import { repoRoot } from '../../workflows/repo-root.js';
import { shakeableSdkClient } from './shakeable-sdk.js';

export interface CachegateFunctionProps {
  logRetention: RetentionDays;
  environment?: Record<string, string>;
  memorySize?: number;
  timeout?: Duration;
}

/**
 * The Node.js major every Lambda runs on; `.nvmrc` names the same major for CI and development
 * (a test keeps them equal).
 */
export const LAMBDA_RUNTIME = Runtime.NODEJS_24_X;
export const LAMBDA_BUNDLE_TARGET = 'node24';

/**
 * The one way cachegate creates a Lambda: `functions/<name>/handler.ts` bundled as ESM for
 * nodejs24.x on arm64, named `cachegate-<name>`, with X-Ray, its own retained log group and the
 * Powertools settings. Construct IDs are `<name>` and `<name>-logs` in the given scope.
 */
export function cachegateFunction(
  scope: Construct,
  name: string,
  props: CachegateFunctionProps,
): NodejsFunction {
  const root = repoRoot();
  const logGroup = new LogGroup(scope, `${name}-logs`, {
    logGroupName: `/aws/lambda/cachegate-${name}`,
    retention: props.logRetention,
    removalPolicy: RemovalPolicy.RETAIN,
  });
  const fn = new NodejsFunction(scope, name, {
    functionName: `cachegate-${name}`,
    entry: join(root, 'functions', name, 'handler.ts'),
    handler: 'handler',
    projectRoot: root,
    depsLockFilePath: join(root, 'package-lock.json'),
    runtime: LAMBDA_RUNTIME,
    architecture: Architecture.ARM_64,
    // Measured: 54–73 MB resident after the import, a 31–224 ms CPU cold start (docs/cold-start.md).
    memorySize: props.memorySize ?? 256,
    timeout: props.timeout ?? Duration.seconds(60),
    tracing: Tracing.ACTIVE,
    logGroup,
    environment: {
      POWERTOOLS_SERVICE_NAME: 'cachegate',
      NODE_OPTIONS: '--enable-source-maps',
      ...props.environment,
    },
    bundling: {
      format: OutputFormat.ESM,
      target: LAMBDA_BUNDLE_TARGET,
      minify: true,
      // No `keepNames`: its helper call on every function and class of the bundle cost 8–16 ms of
      // each cold start. Step Functions retries and catches on an error's `name`, so every error
      // class writes its name out as a string (functions/core/errors.ts) instead of taking it
      // from its minified class name.
      keepNames: false,
      sourceMap: true,
      mainFields: ['module', 'main'],
      // The SDK goes into the bundle (ESM, tree-shaken to the clients and commands the function
      // uses) instead of coming from the runtime's copy, whose full clients cost up to ~800 ms to
      // import; its default credential chain is cut to the environment link (lambda-credentials.ts),
      // and EC2 comes from a copy whose shape table esbuild can tree-shake (shakeable-sdk.ts).
      bundleAwsSDK: true,
      esbuildArgs: {
        '--alias:@aws-sdk/credential-provider-node': join(root, 'functions', 'aws', 'lambda-credentials.ts'),
        '--alias:@aws-sdk/client-ec2': shakeableSdkClient(root, '@aws-sdk/client-ec2'),
      },
      banner: "import { createRequire } from 'module'; const require = createRequire(import.meta.url);",
    },
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
    reason: 'nodejs24.x is the newest Node.js LTS runtime Lambda offers, and CI tests on that major.',
  });
  return fn;
}

/**
 * Lets `fn` publish cachegate's CloudWatch metrics: PutMetricData has no resource type, so the
 * statement is held to the cachegate namespace by condition instead.
 */
export function grantCachegateMetrics(fn: NodejsFunction): void {
  fn.addToRolePolicy(
    new PolicyStatement({
      actions: ['cloudwatch:PutMetricData'],
      resources: ['*'],
      conditions: { StringEquals: { 'cloudwatch:namespace': METRICS_NAMESPACE } },
    }),
  );
  Validations.of(fn).acknowledge({
    id: 'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
    reason:
      'cloudwatch:PutMetricData has no resource type; the policy is limited to the cachegate namespace by condition.',
  });
}

/**
 * An EventBridge rule (construct ID `Schedule`) that invokes `fn` on `expression` with
 * `{requestedBy: 'cachegate-schedule'}`: the scheduled check that is one Lambda (certificate
 * expiry notices). A failed invocation is retried twice and dropped after 6 hours: the next run
 * repeats the check anyway.
 */
export function scheduledInvocation(
  scope: Construct,
  fn: NodejsFunction,
  props: { ruleName: string; description: string; expression: string },
): Rule {
  return new Rule(scope, 'Schedule', {
    ruleName: props.ruleName,
    description: props.description,
    schedule: Schedule.expression(props.expression),
    targets: [
      new LambdaFunction(fn, {
        event: RuleTargetInput.fromObject({ requestedBy: 'cachegate-schedule' }),
        retryAttempts: 2,
        maxEventAge: Duration.hours(6),
      }),
    ],
  });
}

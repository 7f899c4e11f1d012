import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ArnFormat, type CfnElement, Duration, RemovalPolicy, Stack, Token, Validations } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { DefinitionBody, LogLevel, StateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { functionNameOf, placeholdersOf } from '../../workflows/placeholders.js';
import { repoRoot } from '../../workflows/repo-root.js';
import { cachegateFunction } from './cachegate-function.js';

export interface AslWorkflowProps {
  /** `statemachines/<name>.asl.json` */
  name: string;
  /** Values for the placeholders that are not `${XxxFunctionArn}`. */
  substitutions?: Record<string, string>;
  environment?: Record<string, string>;
  logRetention: RetentionDays;
  lambdaTimeout?: Duration;
  /**
   * Lambdas another workflow of the same capability created already, by function name: a
   * placeholder they cover reuses that function (Lambda and log group names are unique).
   */
  sharedFunctions?: Record<string, NodejsFunction>;
  /** Applied to the file's text before it is deployed (e.g. withApprovalTimeout). */
  transform?: (aslText: string) => string;
}

/**
 * One state machine from its reviewed `.asl.json`, with one Lambda per `${XxxFunctionArn}`
 * placeholder (functions/xxx/handler.ts): the same convention the local runner uses, so the
 * deployed and local definitions cannot drift. Each Lambda gets only the invoke grant here;
 * the capability construct adds exactly the data grants each function needs.
 */
export class AslWorkflow extends Construct {
  readonly stateMachine: StateMachine;
  readonly functions: Record<string, NodejsFunction> = {};

  constructor(scope: Construct, id: string, props: AslWorkflowProps) {
    super(scope, id);
    const root = repoRoot();
    // Inlined (not an S3 asset) so template assertions and reviewers see the definition.
    const file = readFileSync(join(root, 'statemachines', `${props.name}.asl.json`), 'utf8');
    const asl = props.transform ? props.transform(file) : file;
    const substitutions: Record<string, string> = { ...props.substitutions };
    for (const placeholder of placeholdersOf(asl)) {
      const fnName = functionNameOf(placeholder);
      if (!fnName) continue;
      const fn = props.sharedFunctions?.[fnName] ?? this.lambda(fnName, props);
      this.functions[fnName] = fn;
      substitutions[placeholder] = fn.functionArn;
    }
    const missing = placeholdersOf(asl).filter((p) => substitutions[p] === undefined);
    if (missing.length > 0)
      throw new Error(`statemachines/${props.name}.asl.json: no value for ${missing.join(', ')}`);

    this.stateMachine = new StateMachine(this, 'StateMachine', {
      stateMachineName: `cachegate-${props.name}`,
      definitionBody: DefinitionBody.fromString(asl),
      definitionSubstitutions: substitutions,
      tracingEnabled: true,
      logs: {
        destination: new LogGroup(this, 'ExecutionLogs', {
          logGroupName: `/aws/vendedlogs/states/cachegate-${props.name}`,
          retention: props.logRetention,
          removalPolicy: RemovalPolicy.RETAIN,
        }),
        level: LogLevel.ALL,
        // Payloads carry IDs only (safety rule 1); leaving execution data out of logs is a second fence.
        includeExecutionData: false,
      },
    });
    const stack = Stack.of(this);
    if (usesDistributedMap(asl)) this.grantDistributedMap(stack, `cachegate-${props.name}`);
    for (const fn of Object.values(this.functions)) {
      fn.grantInvoke(this.stateMachine);
      const logicalId = stack.getLogicalId(fn.node.defaultChild as CfnElement);
      Validations.of(this.stateMachine).acknowledge({
        id: `AwsSolutions::AwsSolutions-IAM5[Resource::<${logicalId}.Arn>:*]`,
        reason: 'CDK grants lambda:InvokeFunction on the function and its versions (":*"), nothing else.',
      });
    }
    Validations.of(this.stateMachine).acknowledge({
      id: 'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
      reason: 'X-Ray and CloudWatch Logs vended-log delivery actions only support Resource "*".',
    });
  }

  /**
   * A Distributed Map starts its items as child executions of this state machine: its role needs
   * states:StartExecution on the state machine and states:DescribeExecution / StopExecution on its
   * executions (Step Functions developer guide, "IAM policies for using Distributed Map states").
   * ARNs built from the fixed name: the role cannot reference the state machine's own ARN
   * attribute without a dependency cycle.
   */
  private grantDistributedMap(stack: Stack, stateMachineName: string): void {
    const arn = (resource: string, resourceName: string) =>
      stack.formatArn({
        service: 'states',
        resource,
        resourceName,
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      });
    this.stateMachine.addToRolePolicy(
      new PolicyStatement({
        actions: ['states:StartExecution'],
        resources: [arn('stateMachine', stateMachineName)],
      }),
    );
    this.stateMachine.addToRolePolicy(
      new PolicyStatement({
        actions: ['states:DescribeExecution', 'states:StopExecution'],
        resources: [arn('execution', `${stateMachineName}/*`)],
      }),
    );
    Validations.of(this.stateMachine).acknowledge({
      id: `AwsSolutions::AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:${nagText(stack.region, 'AWS::Region')}:${nagText(stack.account, 'AWS::AccountId')}:execution:${stateMachineName}/*]`,
      reason:
        "A Distributed Map's child executions get generated names: only this state machine's executions are covered.",
    });
  }

  private lambda(name: string, props: AslWorkflowProps): NodejsFunction {
    return cachegateFunction(this, name, {
      logRetention: props.logRetention,
      ...(props.environment ? { environment: props.environment } : {}),
      ...(props.lambdaTimeout ? { timeout: props.lambdaTimeout } : {}),
    });
  }
}

function usesDistributedMap(asl: string): boolean {
  let found = false;
  JSON.parse(asl, (key, value: unknown) => {
    if (key === 'Mode' && value === 'DISTRIBUTED') found = true;
    return value;
  });
  return found;
}

/** How cdk-nag spells a stack value in a finding's ID: the value, or `<AWS::X>` while unresolved. */
function nagText(value: string, pseudo: string): string {
  return Token.isUnresolved(value) ? `<${pseudo}>` : value;
}

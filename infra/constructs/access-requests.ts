import { CfnOutput, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { AttributeType, BillingMode, Table } from 'aws-cdk-lib/aws-dynamodb';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { ACCESS_REQUEST_ITEMS, ACCESS_REQUESTS_TABLE } from '../../functions/aws/table-definitions.js';
import { withApprovalTimeout } from '../../workflows/approval-timeout.js';
import { grantAccessRequestItems } from './access-request-items.js';
import { AslWorkflow } from './asl-workflow.js';

export interface AccessRequestsProps {
  auditBus: IEventBus;
  logRetention: RetentionDays;
  /** ARNs of the workflows that grant an approved request, by request kind. */
  grantingStateMachineArns: { onboardUser: string; issueCertificate: string };
  /** How long an approver has to decide (config `approvals.timeoutSeconds`); the file says 24 h. */
  approvalTimeoutSeconds?: number;
  /** APPROVERS (one entry per person, identities joined by `|`): start-fulfilment re-checks the decision. */
  approvers: string[];
}

/** Access requests: their table and the approval workflow (statemachines/access-request.asl.json). */
export class AccessRequests extends Construct {
  readonly table: Table;
  readonly workflow: AslWorkflow;

  constructor(scope: Construct, id: string, props: AccessRequestsProps) {
    super(scope, id);
    this.table = new Table(this, 'Table', {
      partitionKey: { name: ACCESS_REQUESTS_TABLE.partitionKey, type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      timeToLiveAttribute: ACCESS_REQUESTS_TABLE.timeToLiveAttribute,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // A fixed logical ID: operators read it after the first deploy (docs/vpn-access.md).
    new CfnOutput(this, 'AccessRequestsTableName', {
      value: this.table.tableName,
      description: 'ACCESS_REQUESTS_TABLE: the access requests',
    }).overrideLogicalId('AccessRequestsTableName');
    const { approvalTimeoutSeconds } = props;
    this.workflow = new AslWorkflow(this, 'Workflow', {
      name: 'access-request',
      logRetention: props.logRetention,
      ...(approvalTimeoutSeconds === undefined
        ? {}
        : { transform: (asl: string) => withApprovalTimeout(asl, approvalTimeoutSeconds) }),
      substitutions: {
        OnboardUserStateMachineArn: props.grantingStateMachineArns.onboardUser,
        IssueCertificateStateMachineArn: props.grantingStateMachineArns.issueCertificate,
      },
      environment: {
        [ACCESS_REQUESTS_TABLE.envVar]: this.table.tableName,
        AUDIT_EVENT_BUS: props.auditBus.eventBusName,
      },
    });
    const fns = this.workflow.functions;
    fns['start-fulfilment']!.addEnvironment('APPROVERS', props.approvers.join(','));
    // Least privilege, function by function.
    this.table.grantReadWriteData(fns['record-access-request']!);
    this.table.grantReadWriteData(fns['request-approval']!);
    this.table.grantReadWriteData(fns['start-fulfilment']!);
    this.table.grantReadWriteData(fns['close-access-request']!);
    // Reads the request, then closes or reads its approval: nothing else.
    const { request, approval } = ACCESS_REQUEST_ITEMS;
    grantAccessRequestItems(fns['check-approval']!, this.table, ['GetItem'], [request, approval]);
    grantAccessRequestItems(fns['check-approval']!, this.table, ['UpdateItem'], [approval]);
    for (const name of ['record-access-request', 'request-approval', 'close-access-request']) {
      props.auditBus.grantPutEventsTo(fns[name]!);
    }
    fns['start-fulfilment']!.addToRolePolicy(
      new PolicyStatement({
        actions: ['states:StartExecution'],
        resources: [
          props.grantingStateMachineArns.onboardUser,
          props.grantingStateMachineArns.issueCertificate,
        ],
      }),
    );
    fns['check-fulfilment']!.addToRolePolicy(
      new PolicyStatement({
        actions: ['states:DescribeExecution'],
        resources: [
          executionArnsOf(props.grantingStateMachineArns.onboardUser),
          executionArnsOf(props.grantingStateMachineArns.issueCertificate),
        ],
      }),
    );
    const { region, account } = Stack.of(this);
    for (const name of ['onboard-user', 'issue-certificate']) {
      Validations.of(fns['check-fulfilment']!).acknowledge({
        id: `AwsSolutions::AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:${region}:${account}:execution:cachegate-${name}:*]`,
        reason: 'Executions of one granting workflow: their names are only known at run time.',
      });
    }
  }
}

/** `arn:...:stateMachine:name` → `arn:...:execution:name:*` (its executions). */
function executionArnsOf(stateMachineArn: string): string {
  return `${stateMachineArn.replace(':stateMachine:', ':execution:')}:*`;
}

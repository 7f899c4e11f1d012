import { ArnFormat, Duration, Stack, Validations } from 'aws-cdk-lib';
import {
  Alarm,
  ComparisonOperator,
  MathExpression,
  Metric,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Schedule } from 'aws-cdk-lib/aws-scheduler';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { METRICS_NAMESPACE, POSTURE_FINDINGS } from '../../functions/aws/cloudwatch-metrics.js';
import { CERTIFICATES_TABLE, CRL_STORE_TABLE } from '../../functions/aws/table-definitions.js';
import type { WorkflowScheduleConfig } from '../../functions/core/workflow-schedule.js';
import { AslWorkflow } from './asl-workflow.js';
import { cachegateFunction, grantCachegateMetrics } from './cachegate-function.js';
import { RuntimeNamedGrants } from './runtime-named-grants.js';
import type { WorkflowSchedules } from './schedules.js';

export interface PostureScheduleProps {
  auditBus: IEventBus;
  logRetention: RetentionDays;
  schedules: WorkflowSchedules;
  /** When the audit runs; twice a day by default, so each day-long period of the alarm holds a report. */
  schedule: WorkflowScheduleConfig;
  /** The cache subnets' CIDRs: Client VPN authorization rules reaching beyond them are findings. */
  cacheSubnetCidrs: readonly string[];
  /** The stack's CA: its certificate (to judge endpoint CRLs) and index (client certificate expiry). */
  certificateAuthority: { readonly table: ITable; readonly certificateSecret: ISecret };
  /** The CA's CRL store (latest CRL), when the stack distributes CRLs. */
  crlStore?: ITable;
}

const CACHE_PART = 'audit-cache-posture';
const VPN_PART = 'audit-vpn-posture';
const CA_PART = 'audit-ca-posture';
const PUBLISH = 'publish-posture-findings';

/**
 * The scheduled posture audit: the `audit-posture` workflow, started by the workflow schedules,
 * audits the region in three parts (the cache half; the VPN half's endpoints, then its CA stores),
 * each in a Lambda of its own that reads only its part (Describe / List / Get, no secret value but
 * the CA's public certificate), then publishes
 * PostureFindings per severity and the audit event PostureAudited. One alarm fires when any
 * critical or high finding is reported, or when no run reports (a failed run publishes nothing).
 */
export class PostureSchedule extends Construct {
  readonly workflow: AslWorkflow;
  readonly schedule: Schedule;
  readonly alarm: Alarm;

  constructor(scope: Construct, id: string, props: PostureScheduleProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const ca = props.certificateAuthority;
    // A part pages through every user, secret, endpoint or certificate of the region.
    const timeout = Duration.minutes(5);
    const cachePart = cachegateFunction(this, CACHE_PART, { logRetention: props.logRetention, timeout });
    const vpnPart = cachegateFunction(this, VPN_PART, {
      logRetention: props.logRetention,
      timeout,
      environment: {
        CACHE_SUBNET_CIDRS: props.cacheSubnetCidrs.join(','),
        CA_CERT_SECRET_ARN: ca.certificateSecret.secretArn,
      },
    });
    const caPart = cachegateFunction(this, CA_PART, {
      logRetention: props.logRetention,
      timeout,
      environment: {
        [CERTIFICATES_TABLE.envVar]: ca.table.tableName,
        ...(props.crlStore ? { [CRL_STORE_TABLE.envVar]: props.crlStore.tableName } : {}),
      },
    });
    this.workflow = new AslWorkflow(this, 'AuditPosture', {
      name: 'audit-posture',
      logRetention: props.logRetention,
      sharedFunctions: { [CACHE_PART]: cachePart, [VPN_PART]: vpnPart, [CA_PART]: caPart },
    });
    grantCacheReads(cachePart);
    grantEndpointReads(stack, vpnPart, ca.certificateSecret);
    caPart.addToRolePolicy(
      new PolicyStatement({ actions: ['dynamodb:Scan'], resources: [ca.table.tableArn] }),
    );
    if (props.crlStore) {
      caPart.addToRolePolicy(
        new PolicyStatement({ actions: ['dynamodb:GetItem'], resources: [props.crlStore.tableArn] }),
      );
    }

    const publish = this.workflow.functions[PUBLISH]!;
    publish.addEnvironment('AUDIT_EVENT_BUS', props.auditBus.eventBusName);
    props.auditBus.grantPutEventsTo(publish);
    grantCachegateMetrics(publish);

    this.schedule = props.schedules.add({
      workflow: 'audit-posture',
      stateMachine: this.workflow.stateMachine,
      schedule: props.schedule,
      input: { requestedBy: 'cachegate-schedule' },
      description: 'cachegate: posture audit of the region (findings per severity, audit event)',
    });

    const severity = (name: string) =>
      new Metric({
        namespace: METRICS_NAMESPACE,
        metricName: POSTURE_FINDINGS,
        dimensionsMap: { Severity: name },
        statistic: 'Maximum',
        period: Duration.days(1),
      });
    this.alarm = new Alarm(this, 'HighFindingsAlarm', {
      alarmName: 'cachegate-posture-high-findings',
      alarmDescription:
        'The scheduled posture audit reported a critical or high finding (an open cache or default user, an expiring CRL or server certificate...), or did not report (a failed run publishes nothing: see the cachegate-audit-posture executions): run `cachegate audit --aws` (docs/runbooks/).',
      metric: new MathExpression({
        expression: 'critical + high',
        usingMetrics: { critical: severity('critical'), high: severity('high') },
        label: 'critical + high posture findings',
        period: Duration.days(1),
      }),
      threshold: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.BREACHING,
    });
  }
}

/** The cache half reads caches, users, user groups / ACLs and user secrets' versions, read-only. */
function grantCacheReads(fn: NodejsFunction): void {
  const grants = new RuntimeNamedGrants(fn);
  grants.cache('elasticache', ['elasticache:DescribeReplicationGroups'], ['replicationgroup']);
  grants.cache('elasticache', ['elasticache:DescribeServerlessCaches'], ['serverlesscache']);
  grants.cache('elasticache', ['elasticache:DescribeUsers'], ['user']);
  grants.cache('elasticache', ['elasticache:DescribeUserGroups'], ['usergroup']);
  grants.cache('memorydb', ['memorydb:DescribeClusters'], ['cluster']);
  grants.cache('memorydb', ['memorydb:DescribeUsers'], ['user']);
  grants.cache('memorydb', ['memorydb:DescribeAcls'], ['acl']);
  grants.userSecrets(['secretsmanager:ListSecretVersionIds'], ['elasticache', 'memorydb']);
  // ListSecrets has no resource type (IAM: Resource "*").
  fn.addToRolePolicy(new PolicyStatement({ actions: ['secretsmanager:ListSecrets'], resources: ['*'] }));
  Validations.of(fn).acknowledge({
    id: 'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
    reason: 'secretsmanager:ListSecrets has no resource type.',
  });
}

/**
 * The endpoints' part reads the region's Client VPN endpoints, their server certificates and CRLs,
 * and the CA's public certificate: action by action, on the narrowest resources each IAM
 * reference allows.
 */
function grantEndpointReads(stack: Stack, fn: NodejsFunction, caCertificate: ISecret): void {
  const endpoints = stack.formatArn({
    service: 'ec2',
    resource: 'client-vpn-endpoint',
    resourceName: '*',
    arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
  });
  const certificates = stack.formatArn({
    service: 'acm',
    resource: 'certificate',
    resourceName: '*',
    arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
  });
  const statements: [string[], string[]][] = [
    // The Client VPN Describe actions have no resource type (IAM: Resource "*").
    [['ec2:DescribeClientVpnEndpoints', 'ec2:DescribeClientVpnAuthorizationRules'], ['*']],
    [['ec2:ExportClientVpnClientCertificateRevocationList'], [endpoints]],
    [['acm:DescribeCertificate'], [certificates]],
    [['secretsmanager:GetSecretValue'], [caCertificate.secretArn]],
  ];
  for (const [actions, resources] of statements) {
    fn.addToRolePolicy(new PolicyStatement({ actions, resources }));
  }
  Validations.of(fn).acknowledge({
    id: 'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
    reason:
      'ec2:DescribeClientVpnEndpoints and ec2:DescribeClientVpnAuthorizationRules have no resource type.',
  });
  for (const [resource, what] of [
    [
      `arn:<AWS::Partition>:ec2:${stack.region}:${stack.account}:client-vpn-endpoint/*`,
      'Client VPN endpoint',
    ],
    [
      `arn:<AWS::Partition>:acm:${stack.region}:${stack.account}:certificate/*`,
      "endpoint's server certificate",
    ],
  ] as const) {
    Validations.of(fn).acknowledge({
      id: `AwsSolutions::AwsSolutions-IAM5[Resource::${resource}]`,
      reason: `The audit reads every ${what} of the region, read-only.`,
    });
  }
}

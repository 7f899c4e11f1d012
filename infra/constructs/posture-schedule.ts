import { ArnFormat, Duration, Stack, Validations } from 'aws-cdk-lib';
import {
  Alarm,
  ComparisonOperator,
  MathExpression,
  Metric,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { IEventBus, Rule } from 'aws-cdk-lib/aws-events';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { METRICS_NAMESPACE, POSTURE_FINDINGS } from '../../functions/aws/cloudwatch-metrics.js';
import { CERTIFICATES_TABLE, CRL_STORE_TABLE } from '../../functions/aws/table-definitions.js';
import { cachegateFunction, scheduledInvocation } from './cachegate-function.js';
import { RuntimeNamedGrants } from './runtime-named-grants.js';

export interface PostureScheduleProps {
  auditBus: IEventBus;
  logRetention: RetentionDays;
  /** EventBridge rule expression (UTC): `rate(1 day)`, `cron(0 6 * * ? *)`. */
  expression: string;
  /** The cache subnets' CIDRs: Client VPN authorization rules reaching beyond them are findings. */
  cacheSubnetCidrs: readonly string[];
  /** The stack's CA: its certificate (to judge endpoint CRLs) and index (client certificate expiry). */
  certificateAuthority: { readonly table: ITable; readonly certificateSecret: ISecret };
  /** The CA's CRL store (latest CRL), when the stack distributes CRLs. */
  crlStore?: ITable;
}

const FUNCTION = 'audit-posture';

/**
 * The scheduled posture audit: an EventBridge rule invokes `audit-posture`, which reads the
 * account read-only (Describe / List / Get, no secret value but the CA's public certificate),
 * publishes PostureFindings per severity and the audit event PostureAudited. One alarm fires
 * when any critical or high finding is reported, or when the function stops reporting.
 */
export class PostureSchedule extends Construct {
  readonly fn: NodejsFunction;
  readonly rule: Rule;
  readonly alarm: Alarm;

  constructor(scope: Construct, id: string, props: PostureScheduleProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const ca = props.certificateAuthority;
    this.fn = cachegateFunction(this, FUNCTION, {
      logRetention: props.logRetention,
      // A snapshot pages through every user, secret and endpoint of the region.
      timeout: Duration.minutes(5),
      environment: {
        AUDIT_EVENT_BUS: props.auditBus.eventBusName,
        CACHE_SUBNET_CIDRS: props.cacheSubnetCidrs.join(','),
        CA_CERT_SECRET_ARN: ca.certificateSecret.secretArn,
        [CERTIFICATES_TABLE.envVar]: ca.table.tableName,
        ...(props.crlStore ? { [CRL_STORE_TABLE.envVar]: props.crlStore.tableName } : {}),
      },
    });
    this.grantReads(stack, ca, props.crlStore);
    props.auditBus.grantPutEventsTo(this.fn);
    this.fn.addToRolePolicy(
      new PolicyStatement({
        actions: ['cloudwatch:PutMetricData'],
        resources: ['*'],
        conditions: { StringEquals: { 'cloudwatch:namespace': METRICS_NAMESPACE } },
      }),
    );

    this.rule = scheduledInvocation(this, this.fn, {
      ruleName: 'cachegate-audit-posture',
      description: 'cachegate: posture audit of the region (findings per severity, audit event)',
      expression: props.expression,
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
        'The scheduled posture audit reported a critical or high finding (an open cache or default user, an expiring CRL or server certificate...), or did not report: run `cachegate audit --aws` (docs/runbooks/).',
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

  /** Read-only, action by action, on the narrowest resources each IAM reference allows. */
  private grantReads(
    stack: Stack,
    ca: PostureScheduleProps['certificateAuthority'],
    crlStore: ITable | undefined,
  ): void {
    const grants = new RuntimeNamedGrants(this.fn);
    grants.cache('elasticache', ['elasticache:DescribeReplicationGroups'], ['replicationgroup']);
    grants.cache('elasticache', ['elasticache:DescribeServerlessCaches'], ['serverlesscache']);
    grants.cache('elasticache', ['elasticache:DescribeUsers'], ['user']);
    grants.cache('elasticache', ['elasticache:DescribeUserGroups'], ['usergroup']);
    grants.cache('memorydb', ['memorydb:DescribeClusters'], ['cluster']);
    grants.cache('memorydb', ['memorydb:DescribeUsers'], ['user']);
    grants.cache('memorydb', ['memorydb:DescribeAcls'], ['acl']);
    grants.userSecrets(['secretsmanager:ListSecretVersionIds'], ['elasticache', 'memorydb']);
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
      // ListSecrets and the Client VPN Describe actions have no resource type (IAM: Resource "*").
      [['secretsmanager:ListSecrets'], ['*']],
      [['ec2:DescribeClientVpnEndpoints', 'ec2:DescribeClientVpnAuthorizationRules'], ['*']],
      [['ec2:ExportClientVpnClientCertificateRevocationList'], [endpoints]],
      [['acm:DescribeCertificate'], [certificates]],
      [['dynamodb:Scan'], [ca.table.tableArn]],
      [['secretsmanager:GetSecretValue'], [ca.certificateSecret.secretArn]],
      ...(crlStore ? [[['dynamodb:GetItem'], [crlStore.tableArn]] as [string[], string[]]] : []),
    ];
    for (const [actions, resources] of statements) {
      this.fn.addToRolePolicy(new PolicyStatement({ actions, resources }));
    }
    Validations.of(this.fn).acknowledge({
      id: 'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
      reason:
        'secretsmanager:ListSecrets, ec2:DescribeClientVpnEndpoints and ec2:DescribeClientVpnAuthorizationRules have no resource type; cloudwatch:PutMetricData is limited to the cachegate namespace by condition.',
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
      Validations.of(this.fn).acknowledge({
        id: `AwsSolutions::AwsSolutions-IAM5[Resource::${resource}]`,
        reason: `The audit reads every ${what} of the region, read-only.`,
      });
    }
  }
}

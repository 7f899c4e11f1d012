import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, Metric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { AttributeType, BillingMode, Table } from 'aws-cdk-lib/aws-dynamodb';
import { Rule, RuleTargetInput, Schedule, type IEventBus } from 'aws-cdk-lib/aws-events';
import { SfnStateMachine } from 'aws-cdk-lib/aws-events-targets';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { DAYS_UNTIL_CRL_EXPIRY, METRICS_NAMESPACE } from '../../functions/aws/cloudwatch-metrics.js';
import { CRL_STORE_TABLE } from '../../functions/aws/table-definitions.js';
import type { ClientVpnCrlConfig } from '../../functions/core/crl-refresh/distribution-config.js';
import { AslWorkflow } from './asl-workflow.js';

/** An endpoint whose CRL the workflows keep current: its ID (API parameter) and ARN (IAM resource). */
export interface CrlEndpoint {
  readonly endpointId: string;
  readonly endpointArn: string;
}

export interface ClientVpnCrlProps {
  auditBus: IEventBus;
  logRetention: RetentionDays;
  endpoints: readonly CrlEndpoint[];
  settings: ClientVpnCrlConfig;
}

/**
 * Client VPN certificate revocation: the revoke-certificate and refresh-crl workflows, the CRL
 * store, the refresh schedule, and one DaysUntilCrlExpiry alarm per endpoint. EC2 permissions
 * are granted on the configured endpoint ARNs only, function by function.
 */
export class ClientVpnCrl extends Construct {
  readonly crlStore: Table;
  readonly revokeCertificate: AslWorkflow;
  readonly refreshCrl: AslWorkflow;
  readonly schedule: Rule;
  readonly alarms: Alarm[] = [];

  constructor(scope: Construct, id: string, props: ClientVpnCrlProps) {
    super(scope, id);
    const { settings } = props;
    this.crlStore = new Table(this, 'CrlStore', {
      partitionKey: { name: CRL_STORE_TABLE.partitionKey, type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const environment: Record<string, string> = {
      [CRL_STORE_TABLE.envVar]: this.crlStore.tableName,
      AUDIT_EVENT_BUS: props.auditBus.eventBusName,
      CLIENT_VPN_ENDPOINT_IDS: props.endpoints.map((e) => e.endpointId).join(','),
      CRL_DAYS: String(settings.crlDays),
      CRL_REFRESH_MARGIN_DAYS: String(settings.refreshMarginDays),
      CRL_HARD_MARGIN_DAYS: String(settings.hardMarginDays),
      ...(settings.maintenanceWindow
        ? { CRL_MAINTENANCE_WINDOW: JSON.stringify(settings.maintenanceWindow) }
        : {}),
    };
    this.revokeCertificate = new AslWorkflow(this, 'RevokeCertificate', {
      name: 'revoke-certificate',
      logRetention: props.logRetention,
      environment,
    });
    this.refreshCrl = new AslWorkflow(this, 'RefreshCrl', {
      name: 'refresh-crl',
      logRetention: props.logRetention,
      environment,
      sharedFunctions: this.revokeCertificate.functions,
    });
    const fns: Record<string, NodejsFunction> = {
      ...this.revokeCertificate.functions,
      ...this.refreshCrl.functions,
    };
    const endpointArns = props.endpoints.map((e) => e.endpointArn);
    const ec2 = (name: string, actions: string[]) => {
      if (endpointArns.length === 0) return;
      fns[name]!.addToRolePolicy(
        new PolicyStatement({ actions: actions.map((a) => `ec2:${a}`), resources: endpointArns }),
      );
    };
    // Least privilege, function by function.
    this.crlStore.grantReadWriteData(fns['publish-crl']!);
    this.crlStore.grantReadData(fns['import-endpoint-crl']!);
    this.crlStore.grantReadData(fns['inspect-endpoint-crl']!);
    ec2('import-endpoint-crl', ['ImportClientVpnClientCertificateRevocationList']);
    ec2('verify-endpoint-crl', ['ExportClientVpnClientCertificateRevocationList']);
    ec2('inspect-endpoint-crl', ['ExportClientVpnClientCertificateRevocationList']);
    ec2('publish-crl-expiry-metric', ['ExportClientVpnClientCertificateRevocationList']);
    ec2('terminate-revoked-connections', ['DescribeClientVpnConnections', 'TerminateClientVpnConnections']);
    props.auditBus.grantPutEventsTo(fns['verify-endpoint-crl']!);
    props.auditBus.grantPutEventsTo(fns['summarize-crl-distribution']!);
    fns['publish-crl-expiry-metric']!.addToRolePolicy(
      new PolicyStatement({
        actions: ['cloudwatch:PutMetricData'],
        resources: ['*'],
        conditions: { StringEquals: { 'cloudwatch:namespace': METRICS_NAMESPACE } },
      }),
    );
    Validations.of(fns['publish-crl-expiry-metric']!).acknowledge({
      id: 'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
      reason:
        'cloudwatch:PutMetricData has no resource type; the policy is limited to the cachegate namespace by condition.',
    });

    this.schedule = new Rule(this, 'RefreshSchedule', {
      description: 'cachegate: keep every Client VPN endpoint on a current CRL (refresh-crl)',
      schedule: Schedule.expression(settings.refreshSchedule),
      targets: [
        new SfnStateMachine(this.refreshCrl.stateMachine, {
          input: RuleTargetInput.fromObject({ requestedBy: 'cachegate-schedule' }),
        }),
      ],
    });

    for (const [i, endpoint] of props.endpoints.entries()) {
      this.alarms.push(
        new Alarm(this, `CrlExpiryAlarm${i + 1}`, {
          alarmDescription: `The CRL on Client VPN endpoint ${endpoint.endpointId} expires within ${settings.alarmBelowDays} days (or refresh-crl did not report): an expired CRL locks every client out.`,
          metric: new Metric({
            namespace: METRICS_NAMESPACE,
            metricName: DAYS_UNTIL_CRL_EXPIRY,
            dimensionsMap: { ClientVpnEndpointId: endpoint.endpointId },
            statistic: 'Minimum',
            period: Duration.days(1),
          }),
          threshold: settings.alarmBelowDays,
          comparisonOperator: ComparisonOperator.LESS_THAN_THRESHOLD,
          evaluationPeriods: 1,
          treatMissingData: TreatMissingData.BREACHING,
        }),
      );
    }
  }
}

import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, Metric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { AttributeType, BillingMode, Table } from 'aws-cdk-lib/aws-dynamodb';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Schedule } from 'aws-cdk-lib/aws-scheduler';
import { Construct } from 'constructs';
import {
  CRL_ENDPOINTS_BEHIND,
  DAYS_UNTIL_CRL_EXPIRY,
  METRICS_NAMESPACE,
} from '../../functions/aws/cloudwatch-metrics.js';
import { CERTIFICATES_TABLE, CRL_STORE_TABLE } from '../../functions/aws/table-definitions.js';
import type { ClientVpnCrlConfig } from '../../functions/core/crl-refresh/distribution-config.js';
import type { WorkflowScheduleConfig } from '../../functions/core/workflow-schedule.js';
import { AslWorkflow } from './asl-workflow.js';
import type { WorkflowSchedules } from './schedules.js';
import { grantCachegateMetrics } from './cachegate-function.js';

/**
 * An endpoint whose CRL the workflows keep current: its ID (API parameter), ARN (IAM resource)
 * and, outside the stack's region or account, where it is: `region`, and `roleArn`, the role in
 * its account the functions assume.
 */
export interface CrlEndpoint {
  readonly endpointId: string;
  readonly endpointArn: string;
  readonly region?: string;
  readonly roleArn?: string;
}

/**
 * The CA the workflows revoke in and sign with (infra/constructs/certificate-authority.ts
 * `crlAuthority()`): its certificate index table, the secret holding the CA certificate PEM, and
 * the signer: a KMS key, or a PEM key in Secrets Manager.
 */
export interface CrlCertificateAuthority {
  readonly table: ITable;
  readonly certificateSecret: ISecret;
  readonly signer: { readonly key: IKey } | { readonly keySecret: ISecret };
}

export interface ClientVpnCrlProps {
  auditBus: IEventBus;
  certificateAuthority: CrlCertificateAuthority;
  logRetention: RetentionDays;
  endpoints: readonly CrlEndpoint[];
  settings: ClientVpnCrlConfig;
  /** The stack's scheduler (infra/constructs/schedules.ts) and when refresh-crl runs. */
  schedules: WorkflowSchedules;
  schedule: WorkflowScheduleConfig;
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
  readonly schedule: Schedule;
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
      ...endpointLocationsEnvironment(props.endpoints, Stack.of(scope).region),
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
    // Endpoints in this account (any region) are granted here; another account's endpoints are
    // reached through its role, which this stack may only assume (its own policy grants EC2).
    const endpointArns = props.endpoints.filter((e) => !e.roleArn).map((e) => e.endpointArn);
    const roleArns = [...new Set(props.endpoints.flatMap((e) => (e.roleArn ? [e.roleArn] : [])))];
    const ec2 = (name: string, actions: string[]) => {
      if (endpointArns.length > 0) {
        fns[name]!.addToRolePolicy(
          new PolicyStatement({ actions: actions.map((a) => `ec2:${a}`), resources: endpointArns }),
        );
      }
      if (roleArns.length > 0) {
        fns[name]!.addToRolePolicy(new PolicyStatement({ actions: ['sts:AssumeRole'], resources: roleArns }));
      }
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
    this.grantCertificateAuthority(fns, props.certificateAuthority);
    props.auditBus.grantPutEventsTo(fns['verify-endpoint-crl']!);
    props.auditBus.grantPutEventsTo(fns['publish-crl-distribution']!);
    for (const name of ['publish-crl-expiry-metric', 'publish-crl-distribution'])
      grantCachegateMetrics(fns[name]!);

    this.schedule = props.schedules.add({
      workflow: 'refresh-crl',
      stateMachine: this.refreshCrl.stateMachine,
      schedule: props.schedule,
      input: { requestedBy: 'cachegate-schedule' },
      description: 'cachegate: keep every Client VPN endpoint on a current CRL (refresh-crl)',
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
    const ownRegion = Stack.of(this).region;
    const regions = [...new Set(props.endpoints.map((e) => e.region ?? ownRegion))];
    for (const [i, region] of regions.entries()) {
      this.alarms.push(
        new Alarm(this, `CrlEndpointsBehindAlarm${i + 1}`, {
          alarmDescription: `A revoke or refresh run left Client VPN endpoints in ${region} on an older CRL (the region is down, or its imports keep failing): revoked certificates may still connect there until a refresh repairs them.`,
          metric: new Metric({
            namespace: METRICS_NAMESPACE,
            metricName: CRL_ENDPOINTS_BEHIND,
            dimensionsMap: { Region: region },
            statistic: 'Maximum',
            period: Duration.minutes(5),
          }),
          threshold: 1,
          comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          evaluationPeriods: 1,
          treatMissingData: TreatMissingData.NOT_BREACHING,
        }),
      );
    }
  }

  /**
   * The CA, function by function (functions/aws/crl-authority.ts resolves it from these
   * variables): the index only where a revocation is written or a CRL built (and the one delete
   * that ends a revocation's hold on the CN), the signing key only
   * where a CRL is signed, the CA certificate where a CRL is built or checked.
   */
  private grantCertificateAuthority(fns: Record<string, NodejsFunction>, ca: CrlCertificateAuthority): void {
    for (const name of ['revoke-certificate-in-index', 'publish-crl']) {
      ca.table.grantReadWriteData(fns[name]!);
      fns[name]!.addEnvironment(CERTIFICATES_TABLE.envVar, ca.table.tableName);
    }
    // Before a refresh import: which common names the new CRL newly lists (their sessions end after it).
    const inspect = fns['inspect-endpoint-crl']!;
    ca.table.grantReadData(inspect);
    inspect.addEnvironment(CERTIFICATES_TABLE.envVar, ca.table.tableName);
    for (const name of [
      'publish-crl',
      'verify-endpoint-crl',
      'inspect-endpoint-crl',
      'publish-crl-expiry-metric',
    ]) {
      ca.certificateSecret.grantRead(fns[name]!);
      fns[name]!.addEnvironment('CA_CERT_SECRET_ARN', ca.certificateSecret.secretArn);
    }
    // Ends the hold a revoke puts on the CN (functions/aws/dynamodb-cert-index.ts): one conditional delete.
    const endHold = fns['end-revocation-hold']!;
    ca.table.grant(endHold, 'dynamodb:DeleteItem');
    endHold.addEnvironment(CERTIFICATES_TABLE.envVar, ca.table.tableName);
    const publish = fns['publish-crl']!;
    if ('key' in ca.signer) {
      ca.signer.key.grant(publish, 'kms:Sign', 'kms:GetPublicKey');
      publish.addEnvironment('CA_KMS_KEY_ARN', ca.signer.key.keyArn);
    } else {
      ca.signer.keySecret.grantRead(publish);
      publish.addEnvironment('CA_KEY_SECRET_ARN', ca.signer.keySecret.secretArn);
    }
  }
}

/**
 * CLIENT_VPN_ENDPOINT_LOCATIONS for the endpoints outside the stack's region or account
 * (functions/core/crl-refresh/endpoint-locations.ts reads it); none when every endpoint is local.
 */
function endpointLocationsEnvironment(
  endpoints: readonly CrlEndpoint[],
  ownRegion: string,
): Record<string, string> {
  const remote = endpoints.filter((e) => e.region !== undefined || e.roleArn !== undefined);
  if (remote.length === 0) return {};
  const locations = Object.fromEntries(
    remote.map((e) => [
      e.endpointId,
      { region: e.region ?? ownRegion, ...(e.roleArn ? { roleArn: e.roleArn } : {}) },
    ]),
  );
  return { CLIENT_VPN_ENDPOINT_LOCATIONS: JSON.stringify(locations) };
}

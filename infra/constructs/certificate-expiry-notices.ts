import { Duration } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { IEventBus, Rule } from 'aws-cdk-lib/aws-events';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { CERTIFICATES_TABLE } from '../../functions/aws/table-definitions.js';
import { cachegateFunction, scheduledInvocation } from './cachegate-function.js';

export interface CertificateExpiryNoticesProps {
  auditBus: IEventBus;
  logRetention: RetentionDays;
  /** EventBridge rule expression (UTC). */
  expression: string;
  /** Days before expiry at which a holder is told, e.g. [30, 7, 1]. */
  noticeDays: readonly number[];
  /** The CA's certificate index: the certificates, and the notice records beside them. */
  certificatesTable: ITable;
  /** The approval channel and the Slack app's secret; without them notices are audit events only. */
  slack?: { channelId: string; secret: ISecret };
}

const FUNCTION = 'notify-certificate-expiry';

/**
 * Client certificate expiry notices: an EventBridge rule invokes `notify-certificate-expiry`
 * daily. It reads the certificate index (Scan), writes only its own `NOTICE#` records there
 * (the `dynamodb:LeadingKeys` condition keeps it off the certificates themselves), posts to the
 * approval channel and publishes `CertificateExpiryNotified` on the audit bus.
 */
export class CertificateExpiryNotices extends Construct {
  readonly fn: NodejsFunction;
  readonly rule: Rule;

  constructor(scope: Construct, id: string, props: CertificateExpiryNoticesProps) {
    super(scope, id);
    const table = props.certificatesTable;
    this.fn = cachegateFunction(this, FUNCTION, {
      logRetention: props.logRetention,
      timeout: Duration.minutes(5),
      environment: {
        AUDIT_EVENT_BUS: props.auditBus.eventBusName,
        [CERTIFICATES_TABLE.envVar]: table.tableName,
        CERTIFICATE_NOTICE_DAYS: props.noticeDays.join(','),
        ...(props.slack
          ? { SLACK_APPROVAL_CHANNEL: props.slack.channelId, SLACK_SECRET_ARN: props.slack.secret.secretArn }
          : {}),
      },
    });
    this.fn.addToRolePolicy(new PolicyStatement({ actions: ['dynamodb:Scan'], resources: [table.tableArn] }));
    this.fn.addToRolePolicy(
      new PolicyStatement({
        actions: ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
        resources: [table.tableArn],
        conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['NOTICE#*'] } },
      }),
    );
    props.auditBus.grantPutEventsTo(this.fn);
    props.slack?.secret.grantRead(this.fn);

    this.rule = scheduledInvocation(this, this.fn, {
      ruleName: 'cachegate-notify-certificate-expiry',
      description: 'cachegate: tell holders (approval channel) before their client certificates expire',
      expression: props.expression,
    });
  }
}

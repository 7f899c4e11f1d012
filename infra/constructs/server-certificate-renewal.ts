import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Schedule } from 'aws-cdk-lib/aws-scheduler';
import { Construct } from 'constructs';
import type { WorkflowScheduleConfig } from '../../functions/core/workflow-schedule.js';
import { AslWorkflow } from './asl-workflow.js';
import type { CrlCertificateAuthority } from './client-vpn-crl.js';
import type { WorkflowSchedules } from './schedules.js';

export interface ServerCertificateRenewalSettings {
  renewBeforeDays: number;
  validityDays: number;
  commonName: string;
}

export interface ServerCertificateRenewalProps {
  auditBus: IEventBus;
  certificateAuthority: CrlCertificateAuthority;
  /** The ACM certificate the Client VPN endpoint uses (`vpnAccess.serverCertificateArn`): renewed in place. */
  certificateArn: string;
  settings: ServerCertificateRenewalSettings;
  logRetention: RetentionDays;
  schedules: WorkflowSchedules;
  schedule: WorkflowScheduleConfig;
}

/**
 * The renew-server-certificate workflow and its schedule: ACM permissions on the one certificate
 * ARN, the CA's signing key only for the function that issues, the audit bus only for the one
 * that publishes.
 */
export class ServerCertificateRenewal extends Construct {
  readonly workflow: AslWorkflow;
  readonly schedule: Schedule;

  constructor(scope: Construct, id: string, props: ServerCertificateRenewalProps) {
    super(scope, id);
    this.workflow = new AslWorkflow(this, 'RenewServerCertificate', {
      name: 'renew-server-certificate',
      logRetention: props.logRetention,
      environment: {
        SERVER_CERTIFICATE_ARN: props.certificateArn,
        SERVER_CERTIFICATE_RENEW_BEFORE_DAYS: String(props.settings.renewBeforeDays),
        SERVER_CERTIFICATE_DAYS: String(props.settings.validityDays),
        SERVER_CERTIFICATE_CN: props.settings.commonName,
      },
    });
    const fns: Record<string, NodejsFunction> = this.workflow.functions;
    const acm = (name: string, actions: string[]) =>
      fns[name]!.addToRolePolicy(
        new PolicyStatement({ actions: actions.map((a) => `acm:${a}`), resources: [props.certificateArn] }),
      );
    acm('inspect-server-certificate', ['DescribeCertificate']);
    acm('reimport-server-certificate', ['DescribeCertificate', 'ImportCertificate']);
    acm('verify-server-certificate', ['DescribeCertificate']);
    const reimport = fns['reimport-server-certificate']!;
    const ca = props.certificateAuthority;
    ca.certificateSecret.grantRead(reimport);
    reimport.addEnvironment('CA_CERT_SECRET_ARN', ca.certificateSecret.secretArn);
    if ('key' in ca.signer) {
      ca.signer.key.grant(reimport, 'kms:Sign', 'kms:GetPublicKey');
      reimport.addEnvironment('CA_KMS_KEY_ARN', ca.signer.key.keyArn);
    } else {
      ca.signer.keySecret.grantRead(reimport);
      reimport.addEnvironment('CA_KEY_SECRET_ARN', ca.signer.keySecret.secretArn);
    }
    const publish = fns['publish-server-certificate-renewed']!;
    props.auditBus.grantPutEventsTo(publish);
    publish.addEnvironment('AUDIT_EVENT_BUS', props.auditBus.eventBusName);
    this.schedule = props.schedules.add({
      workflow: 'renew-server-certificate',
      stateMachine: this.workflow.stateMachine,
      schedule: props.schedule,
      input: { requestedBy: 'cachegate-schedule' },
      description: 'cachegate: renew the Client VPN server certificate in place before it expires',
    });
  }
}

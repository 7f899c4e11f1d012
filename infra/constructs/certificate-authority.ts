import { ArnFormat, CfnOutput, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { AttributeType, BillingMode, Table } from 'aws-cdk-lib/aws-dynamodb';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Key, KeySpec, KeyUsage } from 'aws-cdk-lib/aws-kms';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { CERTIFICATES_TABLE } from '../../functions/aws/table-definitions.js';
import { AslWorkflow } from './asl-workflow.js';
import type { CrlCertificateAuthority } from './client-vpn-crl.js';
import { CLIENT_SECRET_PREFIX } from '../../functions/core/pki/client-secret.js';

export interface CertificateAuthorityProps {
  auditBus: IEventBus;
  logRetention: RetentionDays;
}

/**
 * The Client VPN certificate authority: the certificate index table, the CA signing key in KMS
 * (RSA_2048, SIGN_VERIFY: the private key never leaves KMS), the CA certificate (a secret the
 * operator fills with the PEM of the certificate built over that key, e.g. with
 * local/sandbox-ca.ts's procedure) and the issue-certificate workflow, each Lambda granted only
 * what it does.
 */
export class CertificateAuthority extends Construct {
  readonly table: Table;
  readonly signingKey: Key;
  readonly certificateSecret: Secret;
  readonly workflow: AslWorkflow;

  constructor(scope: Construct, id: string, props: CertificateAuthorityProps) {
    super(scope, id);
    this.table = new Table(this, 'Certificates', {
      partitionKey: { name: CERTIFICATES_TABLE.partitionKey, type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // The default key policy delegates to IAM (account root); each Lambda's role then gets
    // exactly kms:Sign / kms:GetPublicKey on this key, nothing on any other.
    this.signingKey = new Key(this, 'SigningKey', {
      description: 'cachegate Client VPN CA signing key (certificates and CRLs)',
      keySpec: KeySpec.RSA_2048,
      keyUsage: KeyUsage.SIGN_VERIFY,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.certificateSecret = new Secret(this, 'CaCertificate', {
      description: 'cachegate Client VPN CA certificate (PEM, public): issued over the SigningKey',
    });
    // A fixed logical ID: operators read it after the first deploy (docs/vpn-access.md).
    new CfnOutput(this, 'CaKmsKeyArn', {
      value: this.signingKey.keyArn,
      description: 'CA_KMS_KEY_ARN: vpn ca-init / vpn bootstrap --kms-key-arn',
    }).overrideLogicalId('CaKmsKeyArn');
    // A fixed logical ID: operators read it after the first deploy (docs/vpn-access.md).
    new CfnOutput(this, 'CaCertificateSecretArn', {
      value: this.certificateSecret.secretArn,
      description: 'CA_CERT_SECRET_ARN: vpn ca-init / vpn bootstrap --ca-secret-arn',
    }).overrideLogicalId('CaCertificateSecretArn');
    // A fixed logical ID: operators read it after the first deploy (docs/vpn-access.md).
    new CfnOutput(this, 'CertificatesTableName', {
      value: this.table.tableName,
      description: 'CERTIFICATES_TABLE: vpn bootstrap --table',
    }).overrideLogicalId('CertificatesTableName');
    Validations.of(this.certificateSecret).acknowledge({
      id: 'AwsSolutions::AwsSolutions-SMG4',
      reason: 'Holds the public CA certificate, not a credential: it changes only when the CA is renewed.',
    });

    this.workflow = new AslWorkflow(this, 'IssueCertificate', {
      name: 'issue-certificate',
      logRetention: props.logRetention,
      environment: {
        [CERTIFICATES_TABLE.envVar]: this.table.tableName,
        CA_KMS_KEY_ARN: this.signingKey.keyArn,
        CA_CERT_SECRET_ARN: this.certificateSecret.secretArn,
        AUDIT_EVENT_BUS: props.auditBus.eventBusName,
      },
    });
    const fns = this.workflow.functions;
    const issue = fns['issue-client-certificate']!;
    this.table.grantReadWriteData(issue);
    this.table.grantReadWriteData(fns['record-issued-certificate']!);
    // Frees a reserved CN after a permanent failure (and records a signed, unrecorded certificate as revoked).
    this.table.grantReadWriteData(fns['release-certificate-reservation']!);
    this.signingKey.grant(issue, 'kms:Sign', 'kms:GetPublicKey');
    this.certificateSecret.grantRead(issue);
    const { region, account } = Stack.of(this);
    const clientSecrets = Stack.of(this).formatArn({
      service: 'secretsmanager',
      resource: 'secret',
      resourceName: `${CLIENT_SECRET_PREFIX}*`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    issue.addToRolePolicy(
      new PolicyStatement({
        actions: [
          'secretsmanager:CreateSecret',
          'secretsmanager:PutSecretValue',
          'secretsmanager:DescribeSecret',
          'secretsmanager:GetSecretValue',
          'secretsmanager:RestoreSecret',
          'secretsmanager:TagResource',
        ],
        resources: [clientSecrets],
      }),
    );
    Validations.of(issue).acknowledge({
      id: `AwsSolutions::AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:secretsmanager:${region}:${account}:secret:${CLIENT_SECRET_PREFIX}*]`,
      reason:
        'One secret per client common name, created at run time: scoped to the cachegate/vpn-client/ prefix.',
    });
    props.auditBus.grantPutEventsTo(fns['publish-certificate-issued']!);
  }

  /** What the CRL workflows (ClientVpnCrl) revoke in and sign with: this index, certificate and key. */
  crlAuthority(): CrlCertificateAuthority {
    return { table: this.table, certificateSecret: this.certificateSecret, signer: { key: this.signingKey } };
  }
}

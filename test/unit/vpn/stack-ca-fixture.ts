import { randomBytes } from 'node:crypto';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { createAwsClient } from '../../../functions/aws/clients.js';
import { LocalStateMachine } from '../../../local/runner/local-state-machine.js';
import type { Sandbox } from '../../../local/sandbox/index.js';

/** The stack's CA as CertificateAuthority deploys it, before `vpn ca-init`: a KMS key and a placeholder secret. */
export interface DeployedCa {
  kmsKeyArn: string;
  caSecretArn: string;
}

/**
 * What `cdk deploy` leaves in the sandbox: an RSA_2048 SIGN_VERIFY key, and the CA certificate
 * secret holding the random value CDK generates for a `Secret` without one.
 */
export async function deployedCa(): Promise<DeployedCa> {
  const kms = createAwsClient(KMSClient, {});
  const { KeyMetadata } = await kms.send(
    new CreateKeyCommand({ KeySpec: 'RSA_2048', KeyUsage: 'SIGN_VERIFY', Description: 'stack CA' }),
  );
  const secrets = createAwsClient(SecretsManagerClient, {});
  const { ARN } = await secrets.send(
    new CreateSecretCommand({
      Name: `Cachegate-CaCertificate-${randomBytes(4).toString('hex')}`,
      SecretString: randomBytes(24).toString('base64'),
    }),
  );
  return { kmsKeyArn: KeyMetadata!.Arn!, caSecretArn: ARN! };
}

/**
 * Runs the issue-certificate workflow for `commonName` on the stack CA (the environment its
 * Lambdas get from CertificateAuthority) and returns the secret holding key + certificate.
 */
export async function issueClientCertificate(
  sandbox: Sandbox,
  ca: DeployedCa,
  commonName: string,
): Promise<{ secretArn: string; serial: string }> {
  process.env.CA_KMS_KEY_ARN = ca.kmsKeyArn;
  process.env.CA_CERT_SECRET_ARN = ca.caSecretArn;
  const run = await LocalStateMachine.load('issue-certificate', { sandbox }).run({
    requestId: `AR-TEST-${randomBytes(4).toString('hex')}`,
    type: 'vpn-certificate',
    commonName,
  });
  if (run.status !== 'SUCCEEDED') throw new Error(`issue-certificate ${run.status}: ${run.cause ?? ''}`);
  const { certificate } = run.output as { certificate: { secretArn: string; serial: string } };
  return certificate;
}

import { randomBytes } from 'node:crypto';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { createAwsClient } from '../functions/aws/clients.js';
import { kmsCaSigner, kmsPublicKey } from '../functions/aws/kms-ca-signer.js';
import {
  buildCaCertificate,
  DEFAULT_CA_DAYS,
  randomSerial,
} from '../functions/core/pki/certificate-builder.js';
import { toPem } from '../functions/core/pki/pem.js';

export interface SandboxCa {
  readonly keyArn: string;
  readonly certificateSecretArn: string;
  readonly certificatePem: string;
}

/**
 * Provisions the CA the issue-certificate workflow signs with, in the installed sandbox, as an
 * operator would in AWS: an RSA_2048 SIGN_VERIFY key in KMS, a self-signed CA certificate signed
 * through that key, and the certificate PEM in Secrets Manager. Sets CA_KMS_KEY_ARN and
 * CA_CERT_SECRET_ARN, the environment infra/constructs/certificate-authority.ts gives the Lambdas.
 */
export async function provisionSandboxCa(commonName: string, now: Date): Promise<SandboxCa> {
  const kms = createAwsClient(KMSClient, {});
  const { KeyMetadata } = await kms.send(
    new CreateKeyCommand({
      KeySpec: 'RSA_2048',
      KeyUsage: 'SIGN_VERIFY',
      Description: `cachegate CA ${commonName}`,
    }),
  );
  const keyArn = KeyMetadata?.Arn as string;
  const der = await buildCaCertificate({
    commonName,
    spki: await kmsPublicKey(keyArn),
    serial: randomSerial(randomBytes),
    now,
    days: DEFAULT_CA_DAYS,
    signer: kmsCaSigner(keyArn),
  });
  const certificatePem = toPem('CERTIFICATE', der);
  const secrets = createAwsClient(SecretsManagerClient, {});
  const { ARN } = await secrets.send(
    new CreateSecretCommand({
      Name: `cachegate/ca/${randomBytes(4).toString('hex')}/certificate`,
      SecretString: certificatePem,
      Description: `cachegate: CA certificate of ${commonName}`,
    }),
  );
  process.env.CA_KMS_KEY_ARN = keyArn;
  process.env.CA_CERT_SECRET_ARN = ARN as string;
  delete process.env.CA_KEY_SECRET_ARN;
  return { keyArn, certificateSecretArn: ARN as string, certificatePem };
}

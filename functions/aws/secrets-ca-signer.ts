import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { NotFoundError } from '../core/errors.js';
import { caKeyFromPem, keySigner, type CaSigner } from '../core/pki/signer.js';
import { createAwsClient } from './clients.js';

let client: SecretsManagerClient | undefined;
const secretsManager = () => (client ??= createAwsClient(SecretsManagerClient, {}));

/**
 * The CA signer port on a PEM private key kept in Secrets Manager (the AWSCURRENT version of the
 * secret `secretArn`). The key lives only in this Lambda's memory; errors name the secret ARN,
 * never its value (safety rule 1).
 */
export async function secretsCaSigner(secretArn: string): Promise<CaSigner> {
  const out = await secretsManager().send(new GetSecretValueCommand({ SecretId: secretArn }));
  if (out.SecretString === undefined)
    throw new NotFoundError(`CA key secret ${secretArn} has no string value`);
  return keySigner(caKeyFromPem(out.SecretString, `CA key secret ${secretArn}`));
}

/** A PEM text secret (the CA certificate), AWSCURRENT version. */
export async function readPemSecret(secretArn: string, what: string): Promise<string> {
  const out = await secretsManager().send(new GetSecretValueCommand({ SecretId: secretArn }));
  if (out.SecretString === undefined)
    throw new NotFoundError(`${what} secret ${secretArn} has no string value`);
  return out.SecretString;
}

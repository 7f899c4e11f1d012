import { GetPublicKeyCommand, KMSClient, SignCommand } from '@aws-sdk/client-kms';
import { CachegateError } from '../core/errors.js';
import { sha256, type CaSigner } from '../core/pki/signer.js';
import { createAwsClient } from './clients.js';

let client: KMSClient | undefined;
const kms = () => (client ??= createAwsClient(KMSClient, {}));

/**
 * The CA signer port on an AWS KMS asymmetric key (KeySpec RSA_2048, KeyUsage SIGN_VERIFY): the
 * private key never leaves KMS. The data is hashed here and KMS signs the SHA-256 digest
 * (`MessageType: DIGEST`), because a TBSCertList can be ~1 MB and KMS takes at most 4 KB raw.
 * RSASSA_PKCS1_V1_5_SHA_256 is sha256WithRSAEncryption, what certificates and CRLs carry.
 */
export function kmsCaSigner(keyId: string): CaSigner {
  return {
    async sign(data) {
      const out = await kms().send(
        new SignCommand({
          KeyId: keyId,
          Message: sha256(data),
          MessageType: 'DIGEST',
          SigningAlgorithm: 'RSASSA_PKCS1_V1_5_SHA_256',
        }),
      );
      if (!out.Signature)
        throw new CachegateError('KMS_NO_SIGNATURE', `KMS returned no signature for ${keyId}`);
      return Buffer.from(out.Signature);
    },
  };
}

/** The key's public half (DER SubjectPublicKeyInfo), e.g. for the CA certificate. */
export async function kmsPublicKey(keyId: string): Promise<Buffer> {
  const out = await kms().send(new GetPublicKeyCommand({ KeyId: keyId }));
  if (!out.PublicKey || out.KeyUsage !== 'SIGN_VERIFY') {
    throw new CachegateError('KMS_NOT_A_SIGNING_KEY', `${keyId} is not an asymmetric signing key`);
  }
  return Buffer.from(out.PublicKey);
}

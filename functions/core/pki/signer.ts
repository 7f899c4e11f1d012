import { createHash, createPrivateKey, sign, type KeyObject } from 'node:crypto';
import { ValidationError } from '../errors.js';

/**
 * The CA signer port. Every signature cachegate makes is sha256WithRSAEncryption
 * (RSASSA-PKCS1-v1_5 over SHA-256): what Client VPN, OpenVPN and openssl all accept.
 * Adapters: a local key (below), AWS KMS and a PEM key in Secrets Manager (functions/aws).
 */
export interface CaSigner {
  /** Signs `data` (the DER of a TBSCertificate or TBSCertList) and returns the raw signature. */
  sign(data: Buffer): Promise<Buffer>;
}

export const SHA256_WITH_RSA = '1.2.840.113549.1.1.11';

/** A signer over an in-memory RSA private key (local file, Secrets Manager value). */
export function keySigner(privateKey: KeyObject): CaSigner {
  if (privateKey.type !== 'private' || privateKey.asymmetricKeyType !== 'rsa') {
    throw new TypeError('CA key must be an RSA private key');
  }
  return { sign: async (data) => sign('sha256', data, privateKey) };
}

/** SHA-256 digest of the data to sign, for signers that take a digest (KMS `MessageType: DIGEST`). */
export const sha256 = (data: Buffer): Buffer => createHash('sha256').update(data).digest();

/** Parses a PEM RSA private key (CA key); errors name the source, never the key material. */
export function caKeyFromPem(pem: string, source: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: pem, format: 'pem' });
  } catch {
    throw new ValidationError(
      `${source}: not an unencrypted PEM private key (an encrypted easy-rsa CA key must be decrypted first, e.g. "openssl pkey -in ca.key -out ca.key")`,
    );
  }
  if (key.asymmetricKeyType !== 'rsa') throw new ValidationError(`${source}: CA key must be RSA`);
  return key;
}

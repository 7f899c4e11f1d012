import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { keySigner, type CaSigner } from '../../functions/core/pki/signer.js';
import type { ParsedCertificate } from '../../functions/core/pki/x509.js';
import { CachegateError, NotFoundError, ValidationError } from '../../functions/core/errors.js';

/** Parses a PEM CA key; errors name the source, never the key material. */
export function parseCaKey(pem: string, source: string): KeyObject {
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

/** Fails unless `key` is the private half of the CA certificate's public key. */
export function assertKeyMatchesCa(key: KeyObject, ca: ParsedCertificate, source: string): void {
  const spki = createPublicKey(key).export({ type: 'spki', format: 'der' });
  if (!spki.equals(ca.spki))
    throw new CachegateError('CA_KEY_MISMATCH', `${source} does not match ca.crt`, { exitCode: 2 });
}

/** The local-file adapter of the CA signer port (development and easy-rsa stores). */
export async function fileSigner(path: string, ca?: ParsedCertificate): Promise<CaSigner> {
  let pem: string;
  try {
    pem = await readFile(path, 'utf8');
  } catch {
    throw new NotFoundError(`CA private key not readable: ${path}`);
  }
  const key = parseCaKey(pem, path);
  if (ca) assertKeyMatchesCa(key, ca, path);
  return keySigner(key);
}

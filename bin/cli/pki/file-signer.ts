import { createPublicKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { caKeyFromPem, keySigner, type CaSigner } from '../../../functions/core/pki/signer.js';
import type { ParsedCertificate } from '../../../functions/core/pki/x509.js';
import { CachegateError, NotFoundError } from '../../../functions/core/errors.js';

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
    pem = readFileSync(path, 'utf8');
  } catch {
    throw new NotFoundError(`CA private key not readable: ${path}`);
  }
  const key = caKeyFromPem(pem, path);
  if (ca) assertKeyMatchesCa(key, ca, path);
  return keySigner(key);
}

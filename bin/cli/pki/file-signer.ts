import { createPublicKey, type KeyObject } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { caKeyExposure } from '../../../functions/core/pki/key-mode.js';
import { caKeyFromPem, keySigner, type CaSigner } from '../../../functions/core/pki/signer.js';
import type { ParsedCertificate } from '../../../functions/core/pki/x509.js';
import { CachegateError, NotFoundError } from '../../../functions/core/errors.js';

/** Fails unless `key` is the private half of the CA certificate's public key. */
export function assertKeyMatchesCa(key: KeyObject, ca: ParsedCertificate, source: string): void {
  const spki = createPublicKey(key).export({ type: 'spki', format: 'der' });
  if (!spki.equals(ca.spki))
    throw new CachegateError('CA_KEY_MISMATCH', `${source} does not match ca.crt`, { exitCode: 2 });
}

let insecureKeyAllowed = false;

/** `--allow-insecure-key` (a global CLI option): use a CA key open to group or others, with a warning. */
export function allowInsecureCaKey(allowed: boolean): void {
  insecureKeyAllowed = allowed;
}

/**
 * Refuses (exit 2) a CA private key file whose mode lets group or others read or write it, unless
 * `--allow-insecure-key` was given: then it warns on stderr and goes on. Checked before the key is
 * read, by every command that signs with it or imports it.
 */
export function checkCaKeyMode(path: string): void {
  let mode: number;
  try {
    mode = statSync(path).mode & 0o777;
  } catch {
    return; // Reading it fails next, with the command's own "not readable" error.
  }
  const exposure = caKeyExposure(mode);
  if (!exposure) return;
  const problem = `CA private key ${path} is ${exposure} (mode ${mode.toString(8).padStart(4, '0')}): chmod 600 it`;
  if (!insecureKeyAllowed) {
    throw new CachegateError('CA_KEY_INSECURE', `${problem}, or pass --allow-insecure-key`, { exitCode: 2 });
  }
  process.stderr.write(`cachegate: warning: ${problem}; used anyway (--allow-insecure-key)\n`);
}

/** The local-file adapter of the CA signer port (development and easy-rsa stores). */
export async function fileSigner(path: string, ca?: ParsedCertificate): Promise<CaSigner> {
  checkCaKeyMode(path);
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

import { randomBytes } from 'node:crypto';
import {
  closeSync,
  constants,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { formatIndex, parseIndex, type CertIndexEntry } from '../../functions/core/pki/cert-index.js';
import { MalformedInputError } from '../../functions/core/pki/errors.js';
import { fromPem } from '../../functions/core/pki/pem.js';
import { parseCertificate, type ParsedCertificate } from '../../functions/core/pki/x509.js';
import { ConflictError, NotFoundError } from '../../functions/core/errors.js';

/**
 * The certificate index as an easy-rsa 3 `pki/` directory (index.txt, serial, crlnumber, ca.crt,
 * private/, issued/, reqs/, certs_by_serial/, revoked/..., crl.pem), so `easyrsa` keeps working on
 * a store cachegate writes to. Every file is replaced atomically (temp file + rename).
 * File I/O is synchronous behind async signatures: the store serves one CLI command at a time,
 * and thread-pool round trips cost `crl build` more time than they could overlap.
 */
export const STORE_DIRS = [
  'issued',
  'private',
  'reqs',
  'certs_by_serial',
  'revoked/certs_by_serial',
  'revoked/private_by_serial',
  'revoked/reqs_by_serial',
] as const;

const isMissing = (error: unknown): boolean => (error as NodeJS.ErrnoException).code === 'ENOENT';

export async function exists(path: string): Promise<boolean> {
  try {
    statSync(path);
    return true;
  } catch (error) {
    if (isMissing(error)) return false;
    throw error;
  }
}

/** Writes `data` to a temp file next to `path` and renames it over `path`. */
export async function writeFileAtomic(path: string, data: string | Uint8Array, mode = 0o644): Promise<void> {
  const tmp = join(dirname(path), `.${randomBytes(6).toString('hex')}.tmp`);
  try {
    writeFileSync(tmp, data, { mode, flag: 'wx' });
    renameSync(tmp, path);
  } catch (error) {
    rmSync(tmp, { force: true });
    throw error;
  }
}

export class EasyRsaStore {
  constructor(readonly dir: string) {}

  path(...parts: string[]): string {
    return join(this.dir, ...parts);
  }

  async readText(rel: string, what: string): Promise<string> {
    return (await this.readBytes(rel, what)).toString('utf8');
  }

  async readBytes(rel: string, what: string): Promise<Buffer> {
    try {
      return readFileSync(this.path(rel));
    } catch (error) {
      if (isMissing(error)) throw new NotFoundError(`${what} not found: ${this.path(rel)}`);
      throw error;
    }
  }

  /**
   * An optional ASCII file (PEM, counters), or undefined. Decoded as latin1: identical for ASCII
   * and several times faster than UTF-8 on a 20,000-entry crl.pem.
   */
  async readOptional(rel: string): Promise<string | undefined> {
    try {
      return readFileSync(this.path(rel), 'latin1');
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
  }

  /** Throws a clear error when the directory is not an initialised CA store. */
  async readCa(): Promise<{ pem: string; cert: ParsedCertificate }> {
    if (!(await exists(this.path('ca.crt'))) || !(await exists(this.path('index.txt')))) {
      throw new NotFoundError(
        `${this.dir} is not a CA store (ca.crt and index.txt expected; run "cachegate pki init" or "pki import-easyrsa")`,
      );
    }
    const pem = await this.readText('ca.crt', 'CA certificate');
    return { pem, cert: parseCertificate(fromPem(pem, 'CERTIFICATE', 'ca.crt'), 'ca.crt') };
  }

  async readCaKeyPem(): Promise<string> {
    return this.readText('private/ca.key', 'CA private key');
  }

  async readIndex(): Promise<CertIndexEntry[]> {
    return parseIndex(await this.readText('index.txt', 'index.txt'));
  }

  /** Next CRL number from the openssl-format `crlnumber` file (hex), if present. */
  async readNextCrlNumber(): Promise<bigint | undefined> {
    const text = await this.readOptional('crlnumber');
    if (text === undefined) return undefined;
    const hex = text.trim();
    if (!/^[0-9A-Fa-f]{1,40}$/.test(hex)) throw new MalformedInputError(`crlnumber: invalid content`);
    return BigInt(`0x${hex}`);
  }

  async writeIndex(entries: readonly CertIndexEntry[]): Promise<void> {
    await writeFileAtomic(this.path('index.txt'), formatIndex(entries));
  }

  async writeNextCrlNumber(next: bigint): Promise<void> {
    const hex = next.toString(16).toUpperCase();
    await writeFileAtomic(this.path('crlnumber'), `${hex.length % 2 ? `0${hex}` : hex}\n`);
  }

  async write(rel: string, data: string | Uint8Array, mode = 0o644): Promise<void> {
    await writeFileAtomic(this.path(rel), data, mode);
  }

  async move(fromRel: string, toRel: string): Promise<boolean> {
    try {
      renameSync(this.path(fromRel), this.path(toRel));
      return true;
    } catch (error) {
      if (isMissing(error)) return false;
      throw error;
    }
  }

  async remove(rel: string): Promise<void> {
    try {
      unlinkSync(this.path(rel));
    } catch (error) {
      if (!isMissing(error)) throw error;
    }
  }

  async ensureDirs(): Promise<void> {
    for (const d of STORE_DIRS)
      mkdirSync(this.path(d), { recursive: true, mode: d === 'private' ? 0o700 : 0o755 });
  }

  /**
   * Runs `fn` holding an exclusive lock file, so two cachegate processes never interleave writes
   * to the same store (easy-rsa itself does not take this lock).
   */
  async withLock<T>(fn: () => Promise<T>): Promise<T> {
    const lockPath = this.path('.cachegate.lock');
    let fd: number;
    try {
      fd = openSync(lockPath, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY, 0o600);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
        throw new ConflictError(
          `store is locked by another cachegate process (remove ${lockPath} if it is stale)`,
        );
      }
      if (isMissing(error)) await this.readCa();
      throw error;
    }
    try {
      try {
        writeFileSync(fd, `${process.pid}\n`);
      } finally {
        closeSync(fd);
      }
      return await fn();
    } finally {
      rmSync(lockPath, { force: true });
    }
  }
}

import { randomBytes } from 'node:crypto';
import {
  closeSync,
  constants,
  linkSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { formatIndex, parseIndex, type CertIndexEntry } from '../../../functions/core/pki/cert-index.js';
import { MalformedInputError } from '../../../functions/core/pki/errors.js';
import { fromPem } from '../../../functions/core/pki/pem.js';
import { parseCertificate, type ParsedCertificate } from '../../../functions/core/pki/x509.js';
import { CachegateError, NotFoundError, ValidationError } from '../../../functions/core/errors.js';

/**
 * The certificate index as an easy-rsa 3 `pki/` directory (index.txt, serial, crlnumber, ca.crt,
 * private/, issued/, reqs/, certs_by_serial/, revoked/..., crl.pem), so `easyrsa` keeps working on
 * a store cachegate writes to. Every file is replaced atomically (temp file + rename).
 * File I/O is synchronous behind async signatures: the store serves one CLI command at a time,
 * and thread-pool round trips cost `crl build` more time than they could overlap.
 */
/**
 * cachegate's record of renewals waiting for their grace period (bin/cli/pki/renewal-store.ts),
 * beside easy-rsa's own renewed/ directories; easy-rsa ignores it.
 */
export const PENDING_REVOCATIONS = 'renewed/pending-revocations.json';

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
   * to the same store (easy-rsa itself does not take this lock). A held lock is waited for, with a
   * progress line on stderr, up to `CACHEGATE_STORE_LOCK_TIMEOUT_SECONDS` (default 60 s), then
   * StoreLockTimeoutError (exit 1: contention is operational, not bad input). A lock whose holder
   * process is gone (same host, by pid) is recovered automatically.
   */
  async withLock<T>(fn: () => Promise<T>, options: StoreLockOptions = {}): Promise<T> {
    const lockPath = this.path('.cachegate.lock');
    const timeoutMs = options.timeoutMs ?? lockTimeoutMs(process.env);
    const progress = options.progress ?? ((line: string) => process.stderr.write(`cachegate: ${line}\n`));
    const started = Date.now();
    let announced = 0;
    for (let attempt = 0; ; attempt += 1) {
      const fd = this.tryCreateLock(lockPath);
      if (fd !== undefined) {
        try {
          try {
            writeFileSync(fd, `${process.pid}\n${hostname()}\n`);
          } finally {
            closeSync(fd);
          }
          return await fn();
        } finally {
          rmSync(lockPath, { force: true });
        }
      }
      const holder = readLockHolder(lockPath);
      if (holder && isStaleLock(holder, hostname(), Date.now(), isProcessAlive)) {
        recoverStaleLock(lockPath, holder);
        continue;
      }
      const waited = Date.now() - started;
      if (waited >= timeoutMs) {
        throw new StoreLockTimeoutError(
          `store ${this.dir} is still locked by ${describeHolder(holder)} after ${Math.round(waited / 1000)} s; try again later (or remove ${lockPath} if that process is gone)`,
        );
      }
      if (waited >= announced) {
        progress(
          `waiting for the store lock held by ${describeHolder(holder)} (${Math.round(waited / 1000)} s)`,
        );
        announced = waited + 5000;
      }
      await new Promise((resolve) => setTimeout(resolve, 20 + Math.min(attempt, 10) * 10 * Math.random()));
    }
  }

  /** The lock's file descriptor, or undefined when another process holds it. */
  private tryCreateLock(lockPath: string): number | undefined {
    try {
      return openSync(lockPath, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY, 0o600);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') return undefined;
      if (isMissing(error)) throw new NotFoundError(`${this.dir} is not a CA store (no such directory)`);
      throw error;
    }
  }
}

export interface StoreLockOptions {
  timeoutMs?: number;
  progress?: (line: string) => void;
}

/** The store lock was held by a live process for longer than the wait allows. */
export class StoreLockTimeoutError extends CachegateError {
  override readonly name: string = 'StoreLockTimeoutError';
  constructor(message: string) {
    super('STORE_LOCKED', message, { exitCode: 1 });
  }
}

const DEFAULT_LOCK_TIMEOUT_SECONDS = 60;

export function lockTimeoutMs(env: NodeJS.ProcessEnv): number {
  const text = env.CACHEGATE_STORE_LOCK_TIMEOUT_SECONDS;
  if (text === undefined) return DEFAULT_LOCK_TIMEOUT_SECONDS * 1000;
  if (!/^\d{1,5}$/.test(text)) {
    throw new ValidationError('must be a whole number of seconds', 'CACHEGATE_STORE_LOCK_TIMEOUT_SECONDS');
  }
  return Number(text) * 1000;
}

/** What a lock file says about its holder; `modifiedMs` covers a holder that died before writing. */
export interface LockHolder {
  pid?: number;
  host?: string;
  modifiedMs: number;
  text: string;
}

/** A holder that wrote nothing for this long died between creating the file and writing its pid. */
const EMPTY_LOCK_GRACE_MS = 10_000;

/**
 * A lock is stale when its holder is a process of this host that no longer exists, or when it
 * names no holder and is older than the grace period. A lock from another host (a store on a
 * shared file system) is never judged: its pid means nothing here.
 */
export function isStaleLock(
  holder: LockHolder,
  thisHost: string,
  nowMs: number,
  alive: (pid: number) => boolean,
): boolean {
  if (holder.pid === undefined) return nowMs - holder.modifiedMs > EMPTY_LOCK_GRACE_MS;
  return holder.host === thisHost && !alive(holder.pid);
}

function readLockHolder(lockPath: string): LockHolder | undefined {
  try {
    const text = readFileSync(lockPath, 'utf8');
    const [pidText, host] = text.split('\n');
    const pid = /^\d{1,10}$/.test(pidText ?? '') ? Number(pidText) : undefined;
    return {
      ...(pid === undefined ? {} : { pid }),
      ...(host ? { host } : {}),
      modifiedMs: statSync(lockPath).mtimeMs,
      text,
    };
  } catch (error) {
    if (isMissing(error)) return undefined; // released meanwhile: try again at once
    throw error;
  }
}

function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes a stale lock without removing a fresh one: the stale file is renamed to a name of our
 * own first (only one of several recovering processes can do that), then checked to be the one
 * judged stale; if another process took the lock in between, its file is put back.
 */
function recoverStaleLock(lockPath: string, stale: LockHolder): void {
  const aside = `${lockPath}.${process.pid}.${randomBytes(4).toString('hex')}.stale`;
  try {
    renameSync(lockPath, aside);
  } catch (error) {
    if (isMissing(error)) return;
    throw error;
  }
  const taken = readFileSync(aside, 'utf8');
  if (taken === stale.text) {
    rmSync(aside, { force: true });
    return;
  }
  try {
    linkSync(aside, lockPath);
  } catch {
    // The store was locked again meanwhile: that holder's file wins; ours goes.
  }
  rmSync(aside, { force: true });
}

function describeHolder(holder: LockHolder | undefined): string {
  if (!holder?.pid) return 'another cachegate process';
  return `cachegate process ${holder.pid}${holder.host ? ` on ${holder.host}` : ''}`;
}

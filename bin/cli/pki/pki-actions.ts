import { randomBytes } from 'node:crypto';
import { cp, mkdir, readdir, readFile, rename, rm, rmdir } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import {
  issueCertificate,
  type IssueResult,
  parseRevokeReason,
  revokeCertificate,
  validateCaName,
  validateCommonName,
} from '../../../functions/core/pki/ca-operations.js';
import { isExpired, type CertIndexEntry } from '../../../functions/core/pki/cert-index.js';
import { timeKey, parseTimeText } from '../../../functions/core/pki/asn1-time.js';
import {
  buildCaCertificate,
  DEFAULT_CA_DAYS,
  DEFAULT_CERT_DAYS,
  generateRsaKey,
  randomSerial,
} from '../../../functions/core/pki/certificate-builder.js';
import { checkCrl, parseCrl } from '../../../functions/core/pki/crl-verify.js';
import { parseCsr, type ParsedCsr } from '../../../functions/core/pki/csr.js';
import { parseGraceDays, pendingRevocation, predecessorFor } from '../../../functions/core/pki/renewal.js';
import { buildOvpnProfile } from '../../../functions/core/pki/ovpn-profile.js';
import { fromPem, toPem } from '../../../functions/core/pki/pem.js';
import { caKeyFromPem, keySigner } from '../../../functions/core/pki/signer.js';
import { parseCertificate } from '../../../functions/core/pki/x509.js';
import { ConflictError, NotFoundError, ValidationError } from '../../../functions/core/errors.js';
import { parseDays } from './crl-actions.js';
import { EasyRsaStore, exists, writeFileAtomic } from './easyrsa-store.js';
import { assertKeyMatchesCa, checkCaKeyMode, fileSigner } from './file-signer.js';
import { moveToRenewed, readPendingRevocations, writePendingRevocations } from './renewal-store.js';

const out = (line: string): void => {
  process.stdout.write(`${line}\n`);
};

async function isEmptyOrMissing(dir: string): Promise<boolean> {
  try {
    return (await readdir(dir)).length === 0;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return true;
    throw error;
  }
}

/** Builds a directory next to `target` and renames it into place, so a failure leaves nothing behind. */
async function createDirAtomically(target: string, fill: (tmp: string) => Promise<void>): Promise<void> {
  if (!(await isEmptyOrMissing(target))) {
    throw new ConflictError(`${target} already exists and is not empty`);
  }
  await mkdir(dirname(resolve(target)), { recursive: true });
  const tmp = join(dirname(resolve(target)), `.${basename(target)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    await mkdir(tmp, { mode: 0o755 });
    await fill(tmp);
    await rmdir(target).catch(() => undefined);
    await rename(tmp, target);
  } catch (error) {
    await rm(tmp, { recursive: true, force: true });
    throw error;
  }
}

/**
 * easy-rsa 3.1 refuses to run on a pki/ without openssl-easyrsa.cnf (its own init-pki copies it in);
 * copy it from a local easy-rsa installation when there is one.
 */
async function installEasyRsaConfig(dir: string): Promise<boolean> {
  const candidates = [
    process.env.EASYRSA,
    '/etc/easy-rsa',
    '/usr/share/easy-rsa',
    '/usr/local/share/easy-rsa',
  ];
  for (const base of candidates) {
    if (base === undefined || base === '') continue;
    const source = join(base, 'openssl-easyrsa.cnf');
    if (await exists(source)) {
      await cp(source, join(dir, 'openssl-easyrsa.cnf'));
      return true;
    }
  }
  return false;
}

export async function initPki(options: { store: string; cn: string; days?: string }): Promise<void> {
  validateCaName(options.cn);
  const days = parseDays(options.days, DEFAULT_CA_DAYS);
  const now = new Date();
  let withEasyRsaConfig = false;
  await createDirAtomically(options.store, async (tmp) => {
    const store = new EasyRsaStore(tmp);
    await store.ensureDirs();
    const { privateKey, publicKey } = generateRsaKey();
    const spki = publicKey.export({ type: 'spki', format: 'der' });
    const der = await buildCaCertificate({
      commonName: options.cn,
      spki,
      serial: randomSerial(randomBytes),
      now,
      days,
      signer: keySigner(privateKey),
    });
    await store.write('private/ca.key', privateKey.export({ type: 'pkcs8', format: 'pem' }), 0o600);
    await store.write('ca.crt', toPem('CERTIFICATE', der));
    await store.write('index.txt', '');
    await store.write('index.txt.attr', 'unique_subject = no\n');
    await store.write('serial', '01\n');
    withEasyRsaConfig = await installEasyRsaConfig(tmp);
  });
  out(
    `CA "${options.cn}" created in ${options.store} (easy-rsa layout; CA key in private/ca.key, mode 0600)`,
  );
  if (!withEasyRsaConfig) {
    out(
      '  note: no easy-rsa installation found; copy openssl-easyrsa.cnf into the store before running easyrsa on it',
    );
  }
}

function summarize(index: readonly CertIndexEntry[]): string {
  const count = (s: string): number => index.filter((e) => e.status === s).length;
  return `${index.length} certificate(s): ${count('V')} valid, ${count('R')} revoked, ${count('E')} expired`;
}

/** Validates an easy-rsa pki/ fully (CA, key, index, issued certs, CRL) before anything is copied. */
async function validateEasyRsaPki(dir: string): Promise<{ index: CertIndexEntry[]; warnings: string[] }> {
  const source = new EasyRsaStore(dir);
  const { cert: ca } = await source.readCa();
  checkCaKeyMode(join(dir, 'private/ca.key'));
  const key = caKeyFromPem(await source.readCaKeyPem(), join(dir, 'private/ca.key'));
  assertKeyMatchesCa(key, ca, join(dir, 'private/ca.key'));
  const index = await source.readIndex();
  const warnings: string[] = [];
  const serials = new Set(index.map((e) => e.serial));
  const issued = (await readdir(source.path('issued')).catch(() => [] as string[])).filter((f) =>
    f.endsWith('.crt'),
  );
  for (const file of issued) {
    const cert = parseCertificate(
      fromPem(await source.readText(`issued/${file}`, file), 'CERTIFICATE', `issued/${file}`),
      `issued/${file}`,
    );
    if (!serials.has(cert.serial))
      warnings.push(`issued/${file} (serial ${cert.serial}) is not in index.txt`);
  }
  const crlPem = await source.readOptional('crl.pem');
  if (crlPem !== undefined) {
    const report = checkCrl(parseCrl(fromPem(crlPem, 'X509 CRL', 'crl.pem'), 'crl.pem'), ca, {
      now: new Date(),
    });
    if (!report.valid) warnings.push(`crl.pem: ${report.problems.join('; ')}`);
  }
  return { index, warnings };
}

export async function importEasyRsa(options: { from: string; store: string }): Promise<void> {
  const { index, warnings } = await validateEasyRsaPki(options.from);
  for (const warning of warnings) process.stderr.write(`cachegate: warning: ${warning}\n`);
  if (resolve(options.from) === resolve(options.store)) {
    await new EasyRsaStore(options.store).ensureDirs();
    out(`adopted ${options.store} in place: ${summarize(index)}`);
    return;
  }
  await createDirAtomically(options.store, async (tmp) => {
    await cp(options.from, tmp, { recursive: true, preserveTimestamps: true, verbatimSymlinks: true });
    await rm(join(tmp, '.cachegate.lock'), { force: true });
    await new EasyRsaStore(tmp).ensureDirs();
  });
  out(`imported ${options.from} into ${options.store}: ${summarize(index)}`);
}

export interface IssueOptions {
  store: string;
  cn: string;
  csr?: string;
  server?: boolean;
  out?: string;
  days?: string;
  remote?: string;
}

/** The request a certificate is issued for: a CSR (key stays with the requester) or none. */
interface CsrRequest {
  pem: string;
  csr: ParsedCsr;
}

function checkProfileOptions(options: { csr?: string; out?: string; remote?: string }): void {
  if (options.remote !== undefined && options.csr !== undefined) {
    throw new ValidationError(
      'a .ovpn profile needs the private key; it cannot be built for a --csr request',
      'remote',
    );
  }
  if (options.remote !== undefined && options.out === undefined) {
    throw new ValidationError('--remote writes <out>/<cn>.ovpn; give --out too', 'remote');
  }
}

async function readCsr(path: string | undefined): Promise<CsrRequest | undefined> {
  if (path === undefined) return undefined;
  let pem: string;
  try {
    pem = await readFile(path, 'utf8');
  } catch {
    throw new NotFoundError(`CSR not readable: ${path}`);
  }
  return { pem, csr: parseCsr(fromPem(pem, 'CERTIFICATE REQUEST', path), path) };
}

/** The public key to certify: the CSR's, or a new RSA-2048 pair's (its private key returned once). */
function keyMaterial(request: CsrRequest | undefined): { spki: Buffer; keyPem?: string } {
  if (request) return { spki: request.csr.spki };
  const pair = generateRsaKey();
  return {
    spki: pair.publicKey.export({ type: 'spki', format: 'der' }),
    keyPem: pair.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
  };
}

/** The certificate under its serial and the CN's names, with its key or request (easy-rsa layout). */
async function writeIssued(
  store: EasyRsaStore,
  cn: string,
  result: IssueResult,
  key: { keyPem?: string },
  request: CsrRequest | undefined,
): Promise<string> {
  const certPem = toPem('CERTIFICATE', result.certificate);
  await store.ensureDirs();
  await store.write(`certs_by_serial/${result.entry.serial}.pem`, certPem);
  await store.write(`issued/${cn}.crt`, certPem);
  if (key.keyPem !== undefined) await store.write(`private/${cn}.key`, key.keyPem, 0o600);
  if (request !== undefined) await store.write(`reqs/${cn}.req`, request.pem);
  return certPem;
}

/** Where the certificate (and key) are, and the copies (and .ovpn profile) asked for with --out. */
async function reportAndCopy(
  store: EasyRsaStore,
  cn: string,
  certPem: string,
  keyPem: string | undefined,
  caPem: string,
  options: { out?: string; remote?: string },
): Promise<void> {
  out(`  certificate: ${store.path('issued', `${cn}.crt`)}`);
  if (keyPem !== undefined) out(`  private key: ${store.path('private', `${cn}.key`)} (mode 0600)`);
  if (options.out === undefined) return;
  await mkdir(options.out, { recursive: true });
  await writeFileAtomic(join(options.out, `${cn}.crt`), certPem);
  out(`  copied to:   ${join(options.out, `${cn}.crt`)}`);
  if (keyPem === undefined) return;
  await writeFileAtomic(join(options.out, `${cn}.key`), keyPem, 0o600);
  out(`  copied to:   ${join(options.out, `${cn}.key`)} (mode 0600)`);
  if (options.remote !== undefined) {
    const profileText = buildOvpnProfile({ remote: options.remote, caPem, certPem, keyPem });
    await writeFileAtomic(join(options.out, `${cn}.ovpn`), profileText, 0o600);
    out(`  profile:     ${join(options.out, `${cn}.ovpn`)} (mode 0600)`);
  }
}

export async function issueCert(options: IssueOptions): Promise<void> {
  const cn = validateCommonName(options.cn);
  const days = parseDays(options.days, DEFAULT_CERT_DAYS);
  checkProfileOptions(options);
  const store = new EasyRsaStore(options.store);
  const { pem: caPem, cert: ca } = await store.readCa();
  const request = await readCsr(options.csr);
  const profile = options.server ? 'server' : 'client';
  await store.withLock(async () => {
    const index = await store.readIndex();
    for (const rel of [`issued/${cn}.crt`, `private/${cn}.key`, `reqs/${cn}.req`]) {
      if (await exists(store.path(rel)))
        throw new ConflictError(`${rel} already exists in the store; revoke "${cn}" first`);
    }
    const signer = await fileSigner(store.path('private', 'ca.key'), ca);
    const key = keyMaterial(request);
    const result = await issueCertificate({
      ca,
      index,
      commonName: cn,
      profile,
      spki: key.spki,
      now: new Date(),
      days,
      signer,
      random: randomBytes,
    });
    const certPem = await writeIssued(store, cn, result, key, request);
    await store.writeIndex(result.index);
    out(
      `issued ${profile} certificate CN=${cn} serial ${result.entry.serial} expires ${parseTimeText(result.entry.expires).toISOString()}`,
    );
    await reportAndCopy(store, cn, certPem, key.keyPem, caPem, options);
  });
}

export interface RenewOptions {
  store: string;
  cn: string;
  csr?: string;
  days?: string;
  graceDays?: string;
  out?: string;
  remote?: string;
}

/**
 * `cert renew`: the successor (same CN, new serial, a new key unless --csr) is issued now; the
 * predecessor's files move to renewed/ (easy-rsa 3.1's renew layout) and its revocation is
 * recorded for the end of the grace period, applied by the first `crl build` (or local `revoke`
 * / `crl refresh` run) after it (docs/pki.md, "Renewal").
 */
export async function renewCert(options: RenewOptions): Promise<void> {
  const cn = validateCommonName(options.cn);
  const days = parseDays(options.days, DEFAULT_CERT_DAYS);
  const graceDays = parseGraceDays(options.graceDays);
  checkProfileOptions(options);
  const store = new EasyRsaStore(options.store);
  const { pem: caPem, cert: ca } = await store.readCa();
  const request = await readCsr(options.csr);
  await store.withLock(async () => {
    const now = new Date();
    const index = await store.readIndex();
    const pending = await readPendingRevocations(store);
    const predecessor = predecessorFor(index, pending, cn);
    const signer = await fileSigner(store.path('private', 'ca.key'), ca);
    const key = keyMaterial(request);
    const result = await issueCertificate({
      ca,
      index,
      commonName: cn,
      profile: 'client',
      spki: key.spki,
      now,
      days,
      signer,
      random: randomBytes,
      replacing: predecessor.serial,
    });
    const revocation = pendingRevocation(predecessor, result.entry.serial, now, graceDays);
    await moveToRenewed(store, predecessor);
    const certPem = await writeIssued(store, cn, result, key, request);
    await writePendingRevocations(store, [...pending, revocation]);
    // The index last: until it is written, no other command sees the successor.
    await store.writeIndex(result.index);
    out(
      `renewed CN=${cn}: new client certificate serial ${result.entry.serial} expires ${parseTimeText(result.entry.expires).toISOString()}`,
    );
    out(
      `  predecessor serial ${predecessor.serial} stays valid until ${revocation.revokeAfter} (grace ${graceDays} day(s)); the first CRL built after that revokes it (superseded)`,
    );
    await reportAndCopy(store, cn, certPem, key.keyPem, caPem, options);
  });
}

export async function revokeCert(options: {
  store: string;
  cn?: string;
  serial?: string;
  reason?: string;
}): Promise<void> {
  const reason = parseRevokeReason(options.reason);
  const store = new EasyRsaStore(options.store);
  await store.readCa();
  await store.withLock(async () => {
    const { entry, index } = revokeCertificate({
      index: await store.readIndex(),
      ...(options.cn === undefined ? {} : { commonName: options.cn }),
      ...(options.serial === undefined ? {} : { serial: options.serial }),
      ...(reason === undefined ? {} : { reason }),
      now: new Date(),
    });
    const cn = entry.commonName;
    // easy-rsa's revoke_move: keep the files by serial so the CN can be issued again.
    const issuedPem = await store.readOptional(`issued/${cn}.crt`);
    const moveFiles =
      issuedPem !== undefined &&
      parseCertificate(fromPem(issuedPem, 'CERTIFICATE', `issued/${cn}.crt`), `issued/${cn}.crt`).serial ===
        entry.serial;
    const moves: [string, string][] = [
      [`issued/${cn}.crt`, `revoked/certs_by_serial/${entry.serial}.crt`],
      [`private/${cn}.key`, `revoked/private_by_serial/${entry.serial}.key`],
      [`reqs/${cn}.req`, `revoked/reqs_by_serial/${entry.serial}.req`],
    ];
    if (moveFiles) {
      for (const [, to] of moves) {
        if (await exists(store.path(to)))
          throw new ConflictError(`${to} already exists; refusing to overwrite it`);
      }
    }
    await store.writeIndex(index);
    if (moveFiles) {
      await store.ensureDirs();
      for (const [from, to] of moves) await store.move(from, to);
      await store.remove(`certs_by_serial/${entry.serial}.pem`);
    }
    out(
      `revoked CN=${cn} serial ${entry.serial}${entry.reason ? ` (${entry.reason})` : ''}; run "cachegate crl build" to publish it`,
    );
  });
}

export async function listCerts(options: { store: string; json?: boolean }): Promise<void> {
  const store = new EasyRsaStore(options.store);
  await store.readCa();
  const index = await store.readIndex();
  const nowKey = timeKey(new Date());
  const rows = index.map((e) => ({
    status: e.status === 'V' && isExpired(e, nowKey) ? 'E' : e.status,
    serial: e.serial,
    cn: e.commonName,
    expires: parseTimeText(e.expires).toISOString(),
    revoked: e.revoked === undefined ? null : parseTimeText(e.revoked).toISOString(),
    reason: e.reason ?? null,
  }));
  if (options.json) {
    out(JSON.stringify(rows, null, 2));
    return;
  }
  if (rows.length === 0) {
    out('no certificates issued');
    return;
  }
  out(['STATUS', 'SERIAL'.padEnd(32), 'EXPIRES'.padEnd(24), 'CN'].join('  '));
  for (const r of rows) {
    const revoked = r.revoked ? `  revoked ${r.revoked}${r.reason ? ` (${r.reason})` : ''}` : '';
    out([r.status.padEnd(6), r.serial.padEnd(32), r.expires.padEnd(24), r.cn].join('  ') + revoked);
  }
}

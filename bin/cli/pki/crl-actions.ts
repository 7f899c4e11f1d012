import { readFileSync, statSync, writeSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { buildCrl } from '../../../functions/core/pki/crl-encode.js';
import {
  DEFAULT_CRL_DAYS,
  planCrlFromIndexText,
  type CrlBuildRecord,
} from '../../../functions/core/pki/crl-plan.js';
import {
  checkCrl,
  parseCrl,
  type CrlReport,
  type ParsedCrl,
} from '../../../functions/core/pki/crl-verify.js';
import { WasmIndexScanner } from '../../../functions/core/pki/crl-index-scan.js';
import { CrlInvalidError } from '../../../functions/core/pki/errors.js';
import { fromPem, toPemBytes } from '../../../functions/core/pki/pem.js';
import {
  caKeyId,
  parseCertificate,
  verifySignature,
  type ParsedCertificate,
} from '../../../functions/core/pki/x509.js';
import { NotFoundError, ValidationError } from '../../../functions/core/errors.js';
import { EasyRsaStore, exists, PENDING_REVOCATIONS, writeFileAtomic } from './easyrsa-store.js';
import { fileSigner } from './file-signer.js';

const CRL_LABEL = 'X509 CRL';

/** The store's last CRL, used only if this CA signed it (a foreign crl.pem says nothing about us). */
function previousCrl(pem: string | undefined, ca: ParsedCertificate): ParsedCrl | undefined {
  if (pem === undefined) return undefined;
  const crl = parseCrl(fromPem(pem, CRL_LABEL, 'crl.pem'), 'crl.pem', { entries: 'count' });
  const ours =
    crl.issuer.equals(ca.subject) &&
    verifySignature(crl.signatureAlgorithm, crl.tbs, ca.publicKey, crl.signature);
  return ours ? crl : undefined;
}

/** Sidecar of crl.pem: what the last build derived from which index.txt (see CrlBuildRecord). */
const BUILD_RECORD = '.cachegate-crl.json';

/** The last build's record; anything unreadable is ignored (the build then scans the index). */
function parseBuildRecord(text: string | undefined): CrlBuildRecord | undefined {
  if (text === undefined) return undefined;
  try {
    const r = JSON.parse(text) as Record<string, unknown>;
    const isKey = (v: unknown): v is string => typeof v === 'string' && /^\d{14}Z$/.test(v);
    if (
      typeof r.indexSha256 === 'string' &&
      typeof r.crlNumber === 'string' &&
      isKey(r.builtAt) &&
      (r.listedNotAfterMin === null || isKey(r.listedNotAfterMin))
    ) {
      return {
        indexSha256: r.indexSha256,
        crlNumber: r.crlNumber,
        builtAt: r.builtAt,
        listedNotAfterMin: r.listedNotAfterMin,
      };
    }
  } catch {
    // fall through: a corrupt record only costs a full scan
  }
  return undefined;
}

/**
 * One line to stdout (1) or stderr (2). `crl build` writes to the descriptor directly: creating
 * process.stdout/stderr loads the stream modules (~2-3 ms each), a cost the benchmark against
 * openssl counts. Falls back to the stream if the descriptor refuses a synchronous write.
 */
function writeLine(fd: 1 | 2, text: string): void {
  try {
    writeSync(fd, `${text}\n`);
  } catch {
    (fd === 1 ? process.stdout : process.stderr).write(`${text}\n`);
  }
}

export function parseDays(text: string | undefined, fallback: number, field = 'days'): number {
  if (text === undefined) return fallback;
  if (!/^\d+$/.test(text)) throw new ValidationError('must be a whole number of days', field);
  return Number(text);
}

/** `--out` must name a file in an existing directory: checked before anything is signed or written. */
function checkOutputPath(out: string): void {
  const target = statSync(out, { throwIfNoEntry: false });
  if (target?.isDirectory()) throw new ValidationError(`${out} is a directory; name the CRL file`, '--out');
  const directory = dirname(resolve(out));
  if (!statSync(directory, { throwIfNoEntry: false })?.isDirectory()) {
    throw new ValidationError(`directory ${directory} does not exist`, '--out');
  }
}

/**
 * The WebAssembly index scanner from `path` (dist/crl-index-scan.wasm), or undefined when it is
 * not there or does not load: the JavaScript scan gives the same CRL, only slower.
 */
function loadScanner(path: string | undefined): WasmIndexScanner | undefined {
  if (path === undefined) return undefined;
  try {
    return new WasmIndexScanner(readFileSync(path));
  } catch {
    return undefined;
  }
}

export async function buildCrlCommand(options: {
  store: string;
  out: string;
  days?: string;
  /** dist/crl-index-scan.wasm, when the caller knows where it is. */
  scannerWasm?: string;
}): Promise<void> {
  const days = parseDays(options.days, DEFAULT_CRL_DAYS);
  checkOutputPath(options.out);
  const scanner = loadScanner(options.scannerWasm);
  const store = new EasyRsaStore(options.store);
  const now = new Date();
  const { cert: ca } = await store.readCa();
  await store.withLock(async () => {
    // Renewals whose grace period is over are revoked first, so this CRL lists them. The module
    // loads only when a renewal is pending: the common build reads one missing file, no more.
    if (await exists(store.path(PENDING_REVOCATIONS))) {
      const { applyDueRevocations } = await import('./renewal-store.js');
      for (const entry of await applyDueRevocations(store, now)) {
        writeLine(
          1,
          `revoked CN=${entry.commonName} serial ${entry.serial} (superseded: renewed, grace period over)`,
        );
      }
    }
    const [indexText, nextCrlNumber, previousPem, recordText, signer] = await Promise.all([
      store.readBytes('index.txt', 'index.txt'),
      store.readNextCrlNumber(),
      store.readOptional('crl.pem'),
      store.readOptional(BUILD_RECORD),
      fileSigner(store.path('private', 'ca.key'), ca),
    ]);
    const previous = previousCrl(previousPem, ca);
    const record = parseBuildRecord(recordText);
    const plan = planCrlFromIndexText({
      indexText,
      now,
      days,
      nextCrlNumber,
      ...(previous ? { previous } : {}),
      ...(record ? { record } : {}),
      ...(scanner ? { scanner } : {}),
    });
    for (const warning of plan.warnings) writeLine(2, `cachegate: warning: ${warning}`);
    const der = await buildCrl({ ...plan, issuer: ca.subject, authorityKeyId: caKeyId(ca) }, signer);
    // Rule 4: parse back what was signed and check it (signature with the CA key included).
    const report = checkCrl(parseCrl(der, 'CRL', { entries: 'count' }), ca, {
      now,
      expectedEntryCount: plan.revoked.count,
      ...(previous?.crlNumber === undefined ? {} : { previousCrlNumber: previous.crlNumber }),
    });
    if (!report.valid) throw new CrlInvalidError(report.problems);
    const pem = toPemBytes(CRL_LABEL, der);
    await writeFileAtomic(options.out, pem);
    if (resolve(options.out) !== resolve(store.path('crl.pem'))) await store.write('crl.pem', pem);
    await store.writeNextCrlNumber(plan.crlNumber + 1n);
    // Written last: a record whose crlNumber is not crl.pem's is never used.
    if (plan.record) await store.write(BUILD_RECORD, `${JSON.stringify(plan.record)}\n`);
    else await store.remove(BUILD_RECORD);
    writeLine(
      1,
      `CRL #${plan.crlNumber}: ${plan.revoked.count} revoked certificate(s), next update ${plan.nextUpdate.toISOString()}, written to ${options.out}`,
    );
  });
}

async function readInput(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    throw new NotFoundError(`${what} not readable: ${path}`);
  }
}

/** DER or PEM input. */
function decodeCrlFile(text: string | Buffer): Buffer {
  const asText = text.toString();
  return asText.includes('-----BEGIN') ? fromPem(asText, CRL_LABEL, 'CRL') : Buffer.from(text);
}

export async function verifyCrlCommand(options: {
  ca: string;
  crl: string;
  json?: boolean;
  minDays?: string;
}): Promise<void> {
  const minDays = parseDays(options.minDays, 0, 'min-days');
  const ca = parseCertificate(
    fromPem(await readInput(options.ca, 'CA certificate'), 'CERTIFICATE', options.ca),
    options.ca,
  );
  let crlBytes: Buffer;
  try {
    crlBytes = await readFile(options.crl);
  } catch {
    throw new NotFoundError(`CRL not readable: ${options.crl}`);
  }
  const report: CrlReport = checkCrl(
    parseCrl(decodeCrlFile(crlBytes), options.crl, { entries: 'count' }),
    ca,
    {
      now: new Date(),
      minRemainingMs: minDays * 86_400_000,
    },
  );
  if (options.json) {
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    if (!report.valid) process.exitCode = 1;
    return;
  }
  if (!report.valid) throw new CrlInvalidError(report.problems);
  process.stdout.write(
    `CRL OK: number ${report.crlNumber ?? '(none)'}, ${report.entries} entries, next update ${report.nextUpdate} (${report.daysUntilExpiry} days)\n`,
  );
}

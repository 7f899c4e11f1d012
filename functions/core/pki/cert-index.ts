import { normalizeTimeText } from './asn1-time.js';
import { MalformedInputError } from './errors.js';

/**
 * The certificate index: the openssl/easy-rsa `index.txt` model. Times stay in their index text
 * form (YYMMDDHHMMSSZ) so a 20,000-line index is parsed without building Date objects.
 */
export type CertStatus = 'V' | 'R' | 'E';

/** RFC 5280 CRLReason codes, named as openssl writes them in index.txt. */
export const REVOCATION_REASONS = {
  unspecified: 0,
  keyCompromise: 1,
  CACompromise: 2,
  affiliationChanged: 3,
  superseded: 4,
  cessationOfOperation: 5,
  certificateHold: 6,
  removeFromCRL: 8,
} as const;
export type RevocationReason = keyof typeof REVOCATION_REASONS;

/** Reasons a revoke may use: the ones `easyrsa revoke` accepts (removeFromCRL only undoes a hold). */
export const REVOKE_REASONS: readonly RevocationReason[] = [
  'unspecified',
  'keyCompromise',
  'CACompromise',
  'affiliationChanged',
  'superseded',
  'cessationOfOperation',
  'certificateHold',
];

const REASON_BY_LOWER = new Map<string, RevocationReason>(
  (Object.keys(REVOCATION_REASONS) as RevocationReason[]).map((r) => [r.toLowerCase(), r]),
);

export function parseReason(text: string): RevocationReason | undefined {
  return REASON_BY_LOWER.get(text.toLowerCase());
}

export interface CertIndexEntry {
  readonly status: CertStatus;
  /** Uppercase hex, as openssl writes it. */
  readonly serial: string;
  readonly commonName: string;
  /** openssl one-line subject, e.g. `/CN=alice`. */
  readonly subject: string;
  /** Certificate notAfter in index text form. */
  readonly expires: string;
  readonly revoked?: string;
  readonly reason?: RevocationReason;
  readonly fileName?: string;
}

const SERIAL = /^[0-9A-Fa-f]+$/;
const TIME = /^(\d{12}|\d{14})Z$/;

export function commonNameOf(subject: string): string | undefined {
  const match = /(?:^|\/)CN=([^/]*)/.exec(subject);
  return match?.[1];
}

export function parseIndexLine(line: string, lineNumber: number): CertIndexEntry {
  const fail = (why: string): never => {
    throw new MalformedInputError(`index.txt line ${lineNumber}: ${why}`);
  };
  const fields = line.split('\t');
  if (fields.length !== 6) fail(`expected 6 tab-separated fields, found ${fields.length}`);
  const [status, expires, revocation, serial, fileName, subject] = fields as [
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  if (status !== 'V' && status !== 'R' && status !== 'E') fail(`unknown status "${status}"`);
  if (!TIME.test(expires)) fail(`invalid expiry "${expires}"`);
  if (!SERIAL.test(serial)) fail(`invalid serial "${serial}"`);
  const commonName = commonNameOf(subject);
  if (commonName === undefined || commonName === '') fail('subject has no CN');
  let revoked: string | undefined;
  let reason: RevocationReason | undefined;
  if (status === 'R') {
    const [date = '', reasonText, extra] = revocation.split(',');
    if (!TIME.test(date)) fail(`invalid revocation date "${date}"`);
    if (extra !== undefined) fail(`unsupported revocation detail "${revocation}"`);
    revoked = date;
    if (reasonText !== undefined) {
      reason = parseReason(reasonText);
      if (reason === undefined) fail(`unknown revocation reason "${reasonText}"`);
    }
  } else if (revocation !== '') {
    fail(`status ${status} must not carry a revocation date`);
  }
  const entry: { -readonly [K in keyof CertIndexEntry]: CertIndexEntry[K] } = {
    status: status as CertStatus,
    serial: serial.toUpperCase(),
    commonName: commonName as string,
    subject,
    expires,
    fileName,
  };
  if (revoked !== undefined) entry.revoked = revoked;
  if (reason !== undefined) entry.reason = reason;
  return entry;
}

/** One well-formed index line; anything else falls back to the line parser for a precise error. */
const LINE =
  /^([VRE])\t(\d{12}Z|\d{14}Z)\t(?:(\d{12}Z|\d{14}Z)(?:,([A-Za-z]+))?)?\t([0-9A-F]+)\t([^\t\n]*)\t([^\t\n]*\/)?CN=([^/\t\n]+)([^\t\n]*)$/gm;

function parseIndexFast(text: string): CertIndexEntry[] | undefined {
  const entries: CertIndexEntry[] = [];
  const seen = new Set<string>();
  let expectedStart = 0;
  for (const m of text.matchAll(LINE)) {
    if (m.index !== expectedStart) return undefined;
    expectedStart = m.index + m[0].length + 1;
    const status = m[1] as CertStatus;
    const revoked = m[3];
    if ((status === 'R') !== (revoked !== undefined) || seen.has(m[5] as string)) return undefined;
    const entry: { -readonly [K in keyof CertIndexEntry]: CertIndexEntry[K] } = {
      status,
      serial: m[5] as string,
      commonName: m[8] as string,
      subject: `${m[7] ?? ''}CN=${m[8]}${m[9]}`,
      expires: m[2] as string,
      fileName: m[6] as string,
    };
    if (m[7] !== undefined && m[7] !== '/' && !m[7].startsWith('/')) return undefined;
    if (revoked !== undefined) entry.revoked = revoked;
    if (m[4] !== undefined) {
      const reason = parseReason(m[4]);
      if (reason === undefined) return undefined;
      entry.reason = reason;
    }
    seen.add(entry.serial);
    entries.push(entry);
  }
  return expectedStart >= text.length ? entries : undefined;
}

export function parseIndex(text: string): CertIndexEntry[] {
  const fast = parseIndexFast(text);
  if (fast) return fast;
  const entries: CertIndexEntry[] = [];
  const seen = new Set<string>();
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    if (line === '') continue;
    const entry = parseIndexLine(line, i + 1);
    if (seen.has(entry.serial)) {
      throw new MalformedInputError(`index.txt line ${i + 1}: duplicate serial ${entry.serial}`);
    }
    seen.add(entry.serial);
    entries.push(entry);
  }
  return entries;
}

export function formatIndexLine(entry: CertIndexEntry): string {
  const revocation =
    entry.status === 'R' ? `${entry.revoked ?? ''}${entry.reason ? `,${entry.reason}` : ''}` : '';
  return [
    entry.status,
    entry.expires,
    revocation,
    entry.serial,
    entry.fileName ?? 'unknown',
    entry.subject,
  ].join('\t');
}

export function formatIndex(entries: readonly CertIndexEntry[]): string {
  return entries.map((e) => `${formatIndexLine(e)}\n`).join('');
}

/** True when the certificate's notAfter is at or before `nowKey` (a `timeKey`). */
export function isExpired(entry: CertIndexEntry, nowKey: string): boolean {
  const t = entry.expires;
  // Hot path for 20,000-line indexes: UTCTime years 50-99 are 19xx, 00-49 are 20xx.
  if (t.length === 13) return (t.charCodeAt(0) >= 0x35 ? '19' : '20') + t <= nowKey;
  return normalizeTimeText(t) <= nowKey;
}

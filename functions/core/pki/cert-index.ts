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
  if (!isIndexTimeAt((i) => expires.charCodeAt(i), 0, expires.length - 1)) {
    fail(`impossible expiry date "${expires}"`);
  }
  if (!SERIAL.test(serial)) fail(`invalid serial "${serial}"`);
  const commonName = commonNameOf(subject);
  if (commonName === undefined || commonName === '') fail('subject has no CN');
  let revoked: string | undefined;
  let reason: RevocationReason | undefined;
  if (status === 'R') {
    const [date = '', reasonText, extra] = revocation.split(',');
    if (!TIME.test(date)) fail(`invalid revocation date "${date}"`);
    if (!isIndexTimeAt((i) => date.charCodeAt(i), 0, date.length - 1)) {
      fail(`impossible revocation date "${date}"`);
    }
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

const TAB = 0x09;
const NEWLINE = 0x0a;
const ZERO = 0x30;
const NINE = 0x39;

/** Offset after a 12- or 14-digit time + `Z` starting at `p` that names a real moment, or -1. */
function scanTime(text: string, p: number): number {
  let q = p;
  while (q < text.length) {
    const c = text.charCodeAt(q);
    if (c < ZERO || c > NINE) break;
    q++;
  }
  const digits = q - p;
  if ((digits !== 12 && digits !== 14) || text.charCodeAt(q) !== 0x5a) return -1;
  return isIndexTimeAt((i) => text.charCodeAt(i), p, digits) ? q + 1 : -1;
}

/**
 * Whether the index time of `digits` digits (12: UTCTime YYMMDDHHMMSS, years 50-99 being 19xx;
 * 14: YYYYMMDDHHMMSS) at `at` names a real moment: month 1-12, a day the month has (29 February
 * in leap years only), hour 0-23, minute and second 0-59. openssl writes such times into a CRL
 * as they are, and they decode as "Bad time value". `code(i)` is the character code at `i`
 * (a string's or a buffer's); the caller has checked that the digits are digits.
 */
export function isIndexTimeAt(code: (i: number) => number, at: number, digits: number): boolean {
  const two = (i: number) => (code(i) - ZERO) * 10 + code(i + 1) - ZERO;
  let year: number;
  let p = at;
  if (digits === 12) {
    const yy = two(p);
    year = yy >= 50 ? 1900 + yy : 2000 + yy;
    p += 2;
  } else {
    year = two(p) * 100 + two(p + 2);
    p += 4;
  }
  const month = two(p);
  const day = two(p + 2);
  if (month < 1 || month > 12 || day < 1) return false;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const monthDays =
    month === 2 ? (leap ? 29 : 28) : month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
  return day <= monthDays && two(p + 4) <= 23 && two(p + 6) <= 59 && two(p + 8) <= 59;
}

/** A serial's significant digits, upper case: `00ab` and `AB` are the same certificate serial. */
export function serialKey(serial: string): string {
  const upper = serial.toUpperCase();
  let start = 0;
  while (start < upper.length - 1 && upper.charCodeAt(start) === ZERO) start++;
  return upper.slice(start);
}

/** Offset of the next tab at or after `p` on this line, or -1 if the line ends first. */
function nextTab(text: string, p: number): number {
  for (let q = p; q < text.length; q++) {
    const c = text.charCodeAt(q);
    if (c === TAB) return q;
    if (c === NEWLINE) return -1;
  }
  return -1;
}

/**
 * Hand-written scanner for well-formed index lines (a 20,000-line index in a few milliseconds,
 * no regular expressions). It returns undefined at the first line it does not recognise; the line
 * parser then reports the precise error.
 */
function parseIndexFast(text: string): CertIndexEntry[] | undefined {
  const entries: CertIndexEntry[] = [];
  const seen = new Set<string>();
  const length = text.length;
  let p = 0;
  while (p < length) {
    const status = text.charCodeAt(p);
    if ((status !== 0x56 && status !== 0x52 && status !== 0x45) || text.charCodeAt(p + 1) !== TAB) {
      return undefined;
    }
    const expiresStart = p + 2;
    const expiresEnd = scanTime(text, expiresStart);
    if (expiresEnd < 0 || text.charCodeAt(expiresEnd) !== TAB) return undefined;
    const revocationStart = expiresEnd + 1;
    let revoked: string | undefined;
    let reason: RevocationReason | undefined;
    let serialStart: number;
    if (status === 0x52) {
      const revokedEnd = scanTime(text, revocationStart);
      if (revokedEnd < 0) return undefined;
      revoked = text.slice(revocationStart, revokedEnd);
      let c = text.charCodeAt(revokedEnd);
      let q = revokedEnd;
      if (c === 0x2c) {
        const tab = nextTab(text, revokedEnd + 1);
        if (tab < 0) return undefined;
        reason = parseReason(text.slice(revokedEnd + 1, tab));
        if (reason === undefined) return undefined;
        q = tab;
        c = TAB;
      }
      if (c !== TAB) return undefined;
      serialStart = q + 1;
    } else {
      if (text.charCodeAt(revocationStart) !== TAB) return undefined;
      serialStart = revocationStart + 1;
    }
    let q = serialStart;
    for (;;) {
      const c = text.charCodeAt(q);
      if ((c >= ZERO && c <= NINE) || (c >= 0x41 && c <= 0x46)) q++;
      else break;
    }
    if (q === serialStart || text.charCodeAt(q) !== TAB) return undefined;
    const serial = text.slice(serialStart, q);
    const fileTab = nextTab(text, q + 1);
    if (fileTab < 0) return undefined;
    const subjectStart = fileTab + 1;
    let lineEnd = text.indexOf('\n', subjectStart);
    if (lineEnd < 0) lineEnd = length;
    const subject = text.slice(subjectStart, lineEnd);
    if (subject.indexOf('\t') >= 0) return undefined;
    let cnStart = 3;
    if (!subject.startsWith('CN=')) {
      const at = subject.indexOf('/CN=');
      if (at < 0) return undefined;
      cnStart = at + 4;
    }
    let cnEnd = subject.indexOf('/', cnStart);
    if (cnEnd < 0) cnEnd = subject.length;
    const key = serialKey(serial);
    if (cnEnd === cnStart || seen.has(key)) return undefined;
    seen.add(key);
    const entry: { -readonly [K in keyof CertIndexEntry]: CertIndexEntry[K] } = {
      status: status === 0x56 ? 'V' : status === 0x52 ? 'R' : 'E',
      serial,
      commonName: subject.slice(cnStart, cnEnd),
      subject,
      expires: text.slice(expiresStart, expiresEnd),
      fileName: text.slice(q + 1, fileTab),
    };
    if (revoked !== undefined) entry.revoked = revoked;
    if (reason !== undefined) entry.reason = reason;
    entries.push(entry);
    p = lineEnd + 1;
  }
  return entries;
}

export function parseIndex(text: string): CertIndexEntry[] {
  const fast = parseIndexFast(text);
  if (fast) return fast;
  const entries: CertIndexEntry[] = [];
  const seen = new Map<string, number>();
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    if (line === '') continue;
    const entry = parseIndexLine(line, i + 1);
    // By value: a serial written with extra leading zeros (or in another case) is the same one,
    // and would be listed twice in a CRL.
    const key = serialKey(entry.serial);
    const first = seen.get(key);
    if (first !== undefined) {
      throw new MalformedInputError(
        `index.txt line ${i + 1}: duplicate serial ${entry.serial} (the same number as line ${first})`,
      );
    }
    seen.set(key, i + 1);
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

import { REVOCATION_REASONS } from './cert-index.js';
import { REASON_EXTENSION_PREFIX, type EncodedRevokedList } from './crl-encode.js';
import { serialHexOf, walkRevokedList } from './crl-verify.js';
import { TAG } from './der.js';

/**
 * The CRL's hot path: one pass over index.txt that writes the revokedCertificates DER straight
 * into one preallocated Buffer, without a CertIndexEntry, a match array or a string per line.
 * A sticky regular expression validates each line (`test`, no captures: native speed from the
 * first line); the fields are then read at byte offsets, serials are hex-decoded and times copied
 * into the output, and duplicate serials are caught with an open-addressing table of offsets.
 * Allocation, not computation, was the cost of the scan (half of it garbage collection of
 * per-line strings that all stayed alive), so nothing here allocates per line.
 *
 * It accepts only lines that `parseIndex` accepts in their canonical form (uppercase serials, no
 * blank lines, no duplicate serials); for anything else it returns undefined and the caller takes
 * the general path (`parseIndex` + `planCrl`), which reports the precise error or handles the
 * variant. Both paths produce the same bytes (test/unit/pki/crl-index-scan.test.ts).
 */
export interface IndexCrlScan {
  /** Entries for every revoked certificate that has not expired at `nowKey`, in index order. */
  readonly revoked: EncodedRevokedList;
  /** Earliest notAfter (15-character time key) among the listed entries; undefined if none. */
  readonly listedNotAfterMin: string | undefined;
  /**
   * The never-drop rule: the serials of `previousList` (a revokedCertificates list, e.g. the
   * previous CRL's) that this CRL leaves out although the index does not record their
   * certificate as expired (the only reason a serial may leave a CRL).
   */
  droppedFrom(previousList: Uint8Array): DroppedSerials;
}

export interface DroppedSerials {
  readonly total: number;
  /** Up to three of them, as index hex. */
  readonly examples: string[];
}

/**
 * A canonical index line: status, expiry, [revocation[,reason]], serial, file name, and a subject
 * whose first CN (as `commonNameOf` finds it: the first `/`-separated part starting `CN=`) is not
 * empty.
 */
const LINE =
  /[VRE]\t(?:\d{12}|\d{14})Z\t(?:(?:\d{12}|\d{14})Z(?:,[A-Za-z]+)?)?\t[0-9A-F]+\t[^\t\n]*\t(?:(?!CN=)[^\t\n/]*\/)*CN=[^/\t\n][^\t\n]*(?:\n|$)/y;

const TAB = 0x09;
const COMMA = 0x2c;
const ZERO = 0x30;
const Z = 0x5a;
const R = 0x52;

/** Reason names in lowercase (index.txt reasons are matched case-insensitively) and their codes. */
const REASON_NAMES = Object.keys(REVOCATION_REASONS).map((name) => Buffer.from(name.toLowerCase(), 'latin1'));
const REASON_CODES: number[] = Object.values(REVOCATION_REASONS);

/** Code of the reason name at `b[start..end)` (ASCII letters), or -1. */
function reasonCodeAt(b: Uint8Array, start: number, end: number): number {
  for (let r = 0; r < REASON_NAMES.length; r++) {
    const name = REASON_NAMES[r] as Buffer;
    if (name.length !== end - start) continue;
    let i = 0;
    while (i < name.length && ((b[start + i] as number) | 0x20) === name[i]) i++;
    if (i === name.length) return REASON_CODES[r] as number;
  }
  return -1;
}

/** A 12- or 14-digit index time at `b[start..)` as the number YYYYMMDDHHMMSS (UTCTime 50-99 is 19xx). */
function timeValue(b: Uint8Array, start: number, digits: number): number {
  let v = digits === 12 ? ((b[start] as number) >= 0x35 ? 19 : 20) : 0;
  for (let i = start; i < start + digits; i++) v = v * 10 + ((b[i] as number) - ZERO);
  return v;
}

const hexValue = (c: number): number => (c < 0x40 ? c - ZERO : c - 0x37);

/** Largest entry: SEQUENCE { INTEGER (21 octets), GeneralizedTime, reasonCode extension }. */
const MAX_ENTRY_LENGTH = 2 + 2 + 21 + 2 + 15 + REASON_EXTENSION_PREFIX.length + 1;

/** What a line contributes, in `LineFields.kind`. */
const VALID = 0;
const LISTED = 1;
const EXPIRED = 2;

/**
 * Per-line fields as offsets into the index (columns rather than an object per line). The scan
 * runs in separate small loops because the process is short: V8 compiles a small loop in a few
 * milliseconds, where one large loop body ran interpreted for most of the scan while it compiled
 * (and was deoptimised again by its first rare branch).
 */
interface LineFields {
  readonly count: number;
  readonly kind: Uint8Array;
  /** [digitStart, serialEnd): the serial's significant hex digits (leading zeros skipped). */
  readonly digitStart: Int32Array;
  readonly serialEnd: Int32Array;
  /** Offset of the revocation time to copy into the entry and its length (13 or 15). */
  readonly timeStart: Int32Array;
  readonly timeLength: Uint8Array;
  readonly reason: Uint8Array;
  /** Offset of the notAfter of the listed entry that expires first, or -1. */
  readonly listedMinAt: number;
}

/**
 * @param index index.txt bytes
 * @param nowKey `timeKey(now)`: 15 characters YYYYMMDDHHMMSSZ
 */
export function scanIndexForCrl(index: Uint8Array, nowKey: string): IndexCrlScan | undefined {
  const b = Buffer.from(index.buffer, index.byteOffset, index.length);
  // latin1 maps each byte to one character: string offsets are byte offsets and nothing is
  // rejected for its encoding (a UTF-8 subject is only checked for its CN= marker).
  const text = b.toString('latin1');
  const starts = lineStarts(text);
  if (starts === undefined) return undefined;
  const fields = readFields(b, text, starts, Number(nowKey.slice(0, 14)));
  if (fields === undefined || duplicateOrOversizedSerial(b, fields)) return undefined;
  const list = encodeListed(b, text, fields);
  const { listedMinAt } = fields;
  return {
    revoked: list,
    listedNotAfterMin:
      listedMinAt < 0 ? undefined : timeKeyAt(text, listedMinAt, b[listedMinAt + 12] === Z ? 12 : 14),
    droppedFrom: (previousList) => droppedFrom(previousList, list.der, () => expiredSerials(b, fields)),
  };
}

/** Start offset of every line (and the end of the last), or undefined if a line is not canonical. */
function lineStarts(text: string): Int32Array | undefined {
  // The shortest canonical line has 24 characters and a newline (the last one may lack it).
  const starts = new Int32Array(Math.floor(text.length / 25) + 2);
  const line = LINE;
  line.lastIndex = 0;
  let n = 0;
  while (line.lastIndex < text.length) {
    starts[n++] = line.lastIndex;
    if (!line.test(text)) return undefined;
  }
  starts[n] = text.length;
  return starts.subarray(0, n + 1);
}

/** Field offsets of each line (the expression has checked every character class), or undefined. */
function readFields(b: Buffer, text: string, starts: Int32Array, now: number): LineFields | undefined {
  const count = starts.length - 1;
  const kind = new Uint8Array(count);
  const digitStart = new Int32Array(count);
  const serialEnd = new Int32Array(count);
  const timeStart = new Int32Array(count);
  const timeLength = new Uint8Array(count);
  const reasons = new Uint8Array(count);
  let listedMin = Number.POSITIVE_INFINITY;
  let listedMinAt = -1;
  for (let i = 0; i < count; i++) {
    const p = starts[i] as number;
    const expiryDigits = b[p + 14] === Z ? 12 : 14;
    const revocation = p + expiryDigits + 4;
    const revoked = b[revocation] !== TAB;
    if (revoked !== (b[p] === R)) return undefined;
    const serial = text.indexOf('\t', revocation) + 1;
    const end = text.indexOf('\t', serial);
    let digits = serial;
    while (b[digits] === ZERO && digits < end - 1) digits++;
    digitStart[i] = digits;
    serialEnd[i] = end;
    const notAfter = timeValue(b, p + 2, expiryDigits);
    if (!revoked) {
      if (notAfter <= now) kind[i] = EXPIRED;
      continue;
    }
    const revocationDigits = b[revocation + 12] === Z ? 12 : 14;
    const reasonStart = revocation + revocationDigits + 2;
    const reason = reasonStart < serial ? reasonCodeAt(b, reasonStart, serial - 1) : 0;
    if (reason < 0) return undefined;
    if (notAfter <= now) {
      kind[i] = EXPIRED;
      continue;
    }
    kind[i] = LISTED;
    reasons[i] = reason;
    if (notAfter < listedMin) {
      listedMin = notAfter;
      listedMinAt = p + 2;
    }
    // RFC 5280: UTCTime through 2049, GeneralizedTime from 2050.
    const year = revocationDigits === 14 ? timeValue(b, revocation, 4) : 0;
    const utc = revocationDigits === 12 || (year >= 1950 && year < 2050);
    timeStart[i] = utc ? revocation + revocationDigits - 12 : revocation;
    timeLength[i] = utc ? 13 : 15;
  }
  return { count, kind, digitStart, serialEnd, timeStart, timeLength, reason: reasons, listedMinAt };
}

/** True when two lines name one serial or a serial has over 20 octets (the general path reports either). */
function duplicateOrOversizedSerial(b: Buffer, fields: LineFields): boolean {
  const { count, digitStart, serialEnd } = fields;
  let size = 1024;
  while (size < count * 2) size *= 2;
  const mask = size - 1;
  // Line number + 1 per slot (0 = free), open addressing with linear probing.
  const slots = new Int32Array(size);
  for (let i = 0; i < count; i++) {
    const start = digitStart[i] as number;
    const end = serialEnd[i] as number;
    if (end - start > 40) return true; // RFC 5280 4.1.2.2: at most 20 octets; parseIndex decides
    let slot = serialHash(b, start, end) & mask;
    for (;;) {
      const other = (slots[slot] as number) - 1;
      if (other < 0) break;
      if (sameBytes(b, start, end, digitStart[other] as number, serialEnd[other] as number)) return true;
      slot = (slot + 1) & mask;
    }
    slots[slot] = i + 1;
  }
  return false;
}

/** FNV-1a over the last (up to) 8 digits: random and sequential serials both spread. */
function serialHash(b: Uint8Array, start: number, end: number): number {
  let h = (end - start) ^ 0x811c9dc5;
  for (let i = end - start > 8 ? end - 8 : start; i < end; i++) h = Math.imul(h ^ (b[i] as number), 0x01000193);
  return h ^ (h >>> 16);
}

function sameBytes(b: Uint8Array, start: number, end: number, otherStart: number, otherEnd: number): boolean {
  if (end - start !== otherEnd - otherStart) return false;
  for (let i = 0; i < end - start; i++) if (b[start + i] !== b[otherStart + i]) return false;
  return true;
}

/** The reasonCode extension of an entry for each code. */
const REASON_EXTENSIONS = Array.from({ length: 11 }, (_, code) =>
  Buffer.concat([REASON_EXTENSION_PREFIX, Buffer.of(code)]),
);
const REASON_EXTENSION_LENGTH = REASON_EXTENSION_PREFIX.length + 1;

/**
 * The revokedCertificates entries of the listed lines, written into one preallocated Buffer.
 * Each entry is a handful of native copies (the serial's hex decode, the revocation time copied
 * from the index within one shared buffer, the constant reasonCode extension) rather than a loop
 * per byte, so it runs at the same speed before V8 has optimised the loop as after.
 */
function encodeListed(b: Buffer, text: string, fields: LineFields): EncodedRevokedList {
  const { count, kind, digitStart, serialEnd, timeStart, timeLength, reason } = fields;
  let listed = 0;
  for (let i = 0; i < count; i++) if (kind[i] === LISTED) listed++;
  // The index, then the entries: the times are copied across with copyWithin.
  const work = Buffer.allocUnsafe(b.length + listed * MAX_ENTRY_LENGTH);
  b.copy(work);
  const base = b.length;
  let o = base;
  for (let i = 0; i < count; i++) {
    if (kind[i] !== LISTED) continue;
    const digits = digitStart[i] as number;
    const end = serialEnd[i] as number;
    const odd = (end - digits) & 1;
    const first = odd ? hexValue(b[digits] as number) : hexByte(b, digits);
    const sign = first >= 0x80 ? 1 : 0;
    const serialLength = ((end - digits + 1) >> 1) + sign;
    const time = timeStart[i] as number;
    const timeBytes = timeLength[i] as number;
    const code = reason[i] as number;
    work[o] = TAG.SEQUENCE;
    work[o + 1] = 4 + serialLength + timeBytes + (code === 0 ? 0 : REASON_EXTENSION_LENGTH);
    work[o + 2] = TAG.INTEGER;
    work[o + 3] = serialLength;
    o += 4;
    if (sign) work[o++] = 0;
    if (odd) work[o++] = first;
    o += work.write(text.slice(digits + odd, end), o, 'hex');
    work[o] = timeBytes === 13 ? TAG.UTC_TIME : TAG.GENERALIZED_TIME;
    work[o + 1] = timeBytes;
    work.copyWithin(o + 2, time, time + timeBytes);
    o += 2 + timeBytes;
    // RFC 5280 5.3.1: no reasonCode rather than unspecified.
    if (code !== 0) {
      work.set(REASON_EXTENSIONS[code] as Buffer, o);
      o += REASON_EXTENSION_LENGTH;
    }
  }
  return { der: work.subarray(base, o), count: listed };
}

const hexByte = (b: Uint8Array, at: number): number =>
  hexValue(b[at] as number) * 16 + hexValue(b[at + 1] as number);

/** The 15-character time key of the index time at `text[start..)`. */
function timeKeyAt(text: string, start: number, digits: number): string {
  const key = text.slice(start, start + digits + 1);
  return digits === 12 ? (key.charCodeAt(0) >= 0x35 ? '19' : '20') + key : key;
}

/** Uppercase hex of the DER INTEGER content of each serial whose certificate has expired. */
function expiredSerials(b: Buffer, fields: LineFields): Set<string> {
  const set = new Set<string>();
  for (let i = 0; i < fields.count; i++) {
    if (fields.kind[i] !== EXPIRED) continue;
    let digits = b.toString('latin1', fields.digitStart[i], fields.serialEnd[i]);
    if (digits.length % 2) digits = `0${digits}`;
    set.add(digits.charCodeAt(0) >= 0x38 ? `00${digits}` : digits);
  }
  return set;
}

/**
 * Serials of `previous` missing from `list` whose certificates have not expired. Both lists
 * normally follow index order, so a single merge pass shows that every previous serial is still
 * listed; only when one is not does it build the sets of listed and expired serials.
 */
function droppedFrom(previous: Uint8Array, list: Buffer, expired: () => Set<string>): DroppedSerials {
  let at = 0;
  let inOrder = true;
  walkRevokedList(previous, 0, previous.length, (start, end) => {
    if (!inOrder) return;
    const length = end - start;
    // `list` is this scan's own output: short-form lengths, minimal serials.
    while (at < list.length) {
      const entry = at;
      at += 2 + (list[at + 1] as number);
      if (list[entry + 3] !== length) continue;
      let i = 0;
      while (i < length && list[entry + 4 + i] === previous[start + i]) i++;
      if (i === length) return;
    }
    inOrder = false;
  });
  if (inOrder) return { total: 0, examples: [] };
  const accounted = expired();
  walkRevokedList(list, 0, list.length, (start, end) =>
    accounted.add(list.toString('hex', start, end).toUpperCase()),
  );
  const previousBytes = Buffer.from(previous.buffer, previous.byteOffset, previous.length);
  const examples: string[] = [];
  let total = 0;
  walkRevokedList(previous, 0, previous.length, (start, end) => {
    if (accounted.has(previousBytes.toString('hex', start, end).toUpperCase())) return;
    total++;
    if (examples.length < 3) examples.push(serialHexOf(previous, start, end));
  });
  return { total, examples };
}

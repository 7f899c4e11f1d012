import { isIndexTimeAt, REVOCATION_REASONS } from './cert-index.js';
import { REASON_EXTENSION_PREFIX, type EncodedRevokedList } from './crl-encode.js';
import { serialHexOf, walkRevokedList } from './crl-verify.js';
import { TAG } from './der.js';

/**
 * The CRL's hot path: from index.txt bytes straight to the revokedCertificates DER in one
 * preallocated Buffer, without a CertIndexEntry, a match array or a long-lived string per line.
 * A sticky regular expression validates each line (`test`, no captures: native speed from the
 * first line); the fields are read at byte offsets into typed-array columns, duplicate serials are
 * caught with an open-addressing table of offsets, and each entry's serial and time are written
 * with one native call each. The old scan's cost was half garbage collection (per-line strings,
 * a Map and concatenated entry strings that all stayed alive until the end).
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
const ZERO = 0x30;
const Z = 0x5a;
const R = 0x52;

/** Reason names as openssl writes them, by length, and their codes. */
const REASONS_BY_LENGTH: [name: string, code: number][][] = [];
for (const [name, code] of Object.entries(REVOCATION_REASONS))
  (REASONS_BY_LENGTH[name.length] ??= []).push([name, code]);

/** Code of the reason name at `text[start..end)` (ASCII letters, any case), or -1. */
function reasonCodeAt(text: string, start: number, end: number): number {
  const candidates = REASONS_BY_LENGTH[end - start];
  if (candidates === undefined) return -1;
  for (let i = 0; i < candidates.length; i++) {
    const [name, code] = candidates[i] as [string, number];
    if (text.startsWith(name, start)) return code;
  }
  const lower = text.slice(start, end).toLowerCase();
  for (const [name, code] of candidates) if (name.toLowerCase() === lower) return code;
  return -1;
}

/**
 * Compares the index time at `b[at..)` (12 digits: UTCTime, years 50-99 are 19xx; or 14 digits)
 * with `key` (14 digits YYYYMMDDHHMMSS): negative, zero or positive. Usually decided by the first
 * digits.
 */
function compareTime(b: Uint8Array, at: number, digits: number, key: Uint8Array): number {
  let k = 0;
  if (digits === 12) {
    const nineteen = (b[at] as number) >= 0x35;
    const d = (nineteen ? 0x31 : 0x32) - (key[0] as number) || (nineteen ? 0x39 : 0x30) - (key[1] as number);
    if (d !== 0) return d;
    k = 2;
  }
  for (let j = at; k < 14; k++, j++) {
    const d = (b[j] as number) - (key[k] as number);
    if (d !== 0) return d;
  }
  return 0;
}

/** Writes the 14-digit key of the index time at `b[at..)` into `key`. */
function setTimeKey(b: Uint8Array, at: number, digits: number, key: Uint8Array): void {
  let k = 0;
  if (digits === 12) {
    const nineteen = (b[at] as number) >= 0x35;
    key[0] = nineteen ? 0x31 : 0x32;
    key[1] = nineteen ? 0x39 : 0x30;
    k = 2;
  }
  for (let j = at; k < 14; k++, j++) key[k] = b[j] as number;
}

const hexValue = (c: number): number => (c < 0x40 ? c - ZERO : c - 0x37);

/** Largest entry: SEQUENCE { INTEGER (21 octets), GeneralizedTime, reasonCode extension }. */
const MAX_ENTRY_LENGTH = 2 + 2 + 21 + 2 + 15 + REASON_EXTENSION_PREFIX.length + 1;

/** What a line contributes, in `LineFields.kind` (0: a valid certificate, nothing). */
const LISTED = 1;
const EXPIRED = 2;

/**
 * Per-line fields as offsets into the index (columns rather than an object per line). The scan
 * runs in a few small loops: the process is short, and V8 compiles a small loop in a few
 * milliseconds, where one large loop body ran unoptimised for most of the scan while it compiled
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
  /** Earliest notAfter among the listed lines (15-character time key), if any. */
  readonly listedNotAfterMin: string | undefined;
}

/**
 * @param index index.txt bytes
 * @param nowKey `timeKey(now)`: 15 characters YYYYMMDDHHMMSSZ
 * @param scanner the WebAssembly scanner, when the caller has it: same result, compiled from the
 *   first line (the CLI's `crl build`); without it the scan runs in JavaScript
 */
export function scanIndexForCrl(
  index: Uint8Array,
  nowKey: string,
  scanner?: WasmIndexScanner,
): IndexCrlScan | undefined {
  const b = Buffer.from(index.buffer, index.byteOffset, index.length);
  // latin1 maps each byte to one character: string offsets are byte offsets and nothing is
  // rejected for its encoding (a UTF-8 subject is only checked for its CN= marker).
  const text = b.toString('latin1');
  const now = Buffer.from(nowKey.slice(0, 14), 'latin1');
  if (scanner) {
    const scanned = scanner.scan(b, text, now);
    if (scanned === undefined) return undefined;
    const { revoked, listedNotAfterMin } = scanned;
    // Only the never-drop check's slow path needs the expired serials: the JavaScript columns.
    const expired = () => expiredSerials(b, readLines(b, text, now) as LineFields);
    return {
      revoked,
      listedNotAfterMin,
      droppedFrom: (previous) => droppedFrom(previous, revoked.der, expired),
    };
  }
  const fields = readLines(b, text, now);
  if (fields === undefined || duplicateOrOversizedSerial(b, fields)) return undefined;
  const list = encodeListed(b, text, fields);
  return {
    revoked: list,
    listedNotAfterMin: fields.listedNotAfterMin,
    droppedFrom: (previousList) => droppedFrom(previousList, list.der, () => expiredSerials(b, fields)),
  };
}

/** Every line of an index against LINE, in one native call: true when all are canonical. */
const LINES = new RegExp(LINE.source, 'gy');

/**
 * The scan of crl-index-scan.wat (compiled by scripts/build.mjs to dist/crl-index-scan.wasm):
 * the lines are checked against LINE here, in one native call, then one WebAssembly call reads
 * the fields, checks statuses, reasons and duplicate serials, and writes the entries. Byte for
 * byte what the JavaScript scan produces (test/unit/pki/crl-index-scan.test.ts).
 */
export class WasmIndexScanner {
  private readonly memory: WasmMemory;
  private readonly scanExport: (n: number, c: number, out: number, slots: number, mask: number) => number;
  /** The reason names as the module reads them: (length, code, lowercase name)..., 0. */
  private readonly reasonTable: Buffer;

  constructor(wasm: Uint8Array) {
    const { Instance, Module } = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
    const { exports } = new Instance(new Module(wasm));
    this.memory = exports.memory as WasmMemory;
    this.scanExport = exports.scan as WasmIndexScanner['scanExport'];
    this.reasonTable = Buffer.concat([
      ...Object.entries(REVOCATION_REASONS).map(([name, code]) =>
        Buffer.concat([Buffer.of(name.length, code), Buffer.from(name.toLowerCase(), 'latin1')]),
      ),
      Buffer.of(0),
    ]);
  }

  scan(
    index: Buffer,
    text: string,
    now: Uint8Array,
  ): { revoked: EncodedRevokedList; listedNotAfterMin: string | undefined } | undefined {
    LINES.lastIndex = 0;
    if (text.replace(LINES, '') !== '') return undefined;
    // Layout (see the .wat): index and a newline sentinel, constants and results, entries, slots.
    const n = index.length;
    const lines = maxLines(n);
    const c = align(n + 1, 8);
    const out = align(c + 80 + this.reasonTable.length, 8);
    const slots = align(out + lines * MAX_ENTRY_LENGTH, 8);
    const slotCount = serialTableSize(lines);
    const end = slots + slotCount * 4;
    const pages = Math.ceil(end / 65536) - this.memory.buffer.byteLength / 65536;
    if (pages > 0) this.memory.grow(pages);
    const m = new Uint8Array(this.memory.buffer);
    m.set(index, 0);
    m[n] = 0x0a;
    m.set(now, c);
    m.set(UTC_FROM, c + 14);
    m.set(UTC_UNTIL, c + 28);
    m.set(REASON_EXTENSION_PREFIX, c + 42);
    m.set(this.reasonTable, c + 80);
    m.fill(0, slots, end);
    const count = this.scanExport(n, c, out, slots, slotCount - 1);
    if (count < 0) return undefined;
    const length = new DataView(this.memory.buffer).getInt32(c + 72, true);
    const der = Buffer.from(m.subarray(out, out + length));
    const listedNotAfterMin =
      m[c + 70] === 1 ? `${Buffer.from(m.subarray(c + 56, c + 70)).toString('latin1')}Z` : undefined;
    return { revoked: { der, count }, listedNotAfterMin };
  }
}

const align = (offset: number, to: number): number => Math.ceil(offset / to) * to;

/** Most lines an index of `length` bytes can hold: the shortest canonical line has 24 characters and a newline. */
const maxLines = (length: number): number => Math.floor(length / 25) + 1;

/** Slots of the duplicate-serial table for `lines` serials: a power of two, at most half full. */
function serialTableSize(lines: number): number {
  let size = 1024;
  while (size < lines * 2) size *= 2;
  return size;
}

/** The part of the WebAssembly JavaScript API used here (this project's TypeScript libs lack it). */
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: Record<string, unknown> };
}
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}

/**
 * Checks every line against LINE and records its fields (the expression has checked every
 * character class, so offsets follow from a few probes); undefined if a line is not canonical.
 */
function readLines(b: Buffer, text: string, now: Uint8Array): LineFields | undefined {
  const byteAt = (i: number) => b[i] as number;
  const capacity = maxLines(text.length);
  const kind = new Uint8Array(capacity);
  const digitStart = new Int32Array(capacity);
  const serialEnd = new Int32Array(capacity);
  const timeStart = new Int32Array(capacity);
  const timeLength = new Uint8Array(capacity);
  const reasons = new Uint8Array(capacity);
  const listedMin = Buffer.alloc(14);
  let listedMinText = '';
  const line = LINE;
  line.lastIndex = 0;
  let count = 0;
  for (let p = 0; p < text.length; p = line.lastIndex, count++) {
    if (!line.test(text)) return undefined;
    const expiryDigits = b[p + 14] === Z ? 12 : 14;
    const revocation = p + expiryDigits + 4;
    const revoked = b[revocation] !== TAB;
    if (revoked !== (b[p] === R)) return undefined;
    // An impossible date (month 13, 30 February, hour 25): the general path names the line.
    if (!isIndexTimeAt(byteAt, p + 2, expiryDigits)) return undefined;
    if (revoked && !isIndexTimeAt(byteAt, revocation, b[revocation + 12] === Z ? 12 : 14)) return undefined;
    const serial = text.indexOf('\t', revocation) + 1;
    const end = text.indexOf('\t', serial);
    let digits = serial;
    while (b[digits] === ZERO && digits < end - 1) digits++;
    digitStart[count] = digits;
    serialEnd[count] = end;
    const expired = compareTime(b, p + 2, expiryDigits, now) <= 0;
    if (!revoked) {
      if (expired) kind[count] = EXPIRED;
      continue;
    }
    const revocationDigits = b[revocation + 12] === Z ? 12 : 14;
    const reasonStart = revocation + revocationDigits + 2;
    const reason = reasonStart < serial ? reasonCodeAt(text, reasonStart, serial - 1) : 0;
    if (reason < 0) return undefined;
    if (expired) {
      kind[count] = EXPIRED;
      continue;
    }
    kind[count] = LISTED;
    reasons[count] = reason;
    // Most certificates share few expiry dates: a native prefix check settles the common case.
    if (!text.startsWith(listedMinText, p + 2) || listedMinText.length !== expiryDigits + 1) {
      if (listedMinText === '' || compareTime(b, p + 2, expiryDigits, listedMin) < 0) {
        setTimeKey(b, p + 2, expiryDigits, listedMin);
        listedMinText = text.slice(p + 2, p + 3 + expiryDigits);
      }
    }
    // RFC 5280: UTCTime through 2049, GeneralizedTime from 2050.
    const utc =
      revocationDigits === 12 ||
      (compareTime(b, revocation, 14, UTC_FROM) >= 0 && compareTime(b, revocation, 14, UTC_UNTIL) < 0);
    timeStart[count] = utc ? revocation + revocationDigits - 12 : revocation;
    timeLength[count] = utc ? 13 : 15;
  }
  return {
    count,
    kind,
    digitStart,
    serialEnd,
    timeStart,
    timeLength,
    reason: reasons,
    listedNotAfterMin: listedMinText === '' ? undefined : `${listedMin.toString('latin1')}Z`,
  };
}

/** GeneralizedTime years that RFC 5280 wants as UTCTime: [1950, 2050). */
const UTC_FROM = Buffer.from('19500101000000', 'latin1');
const UTC_UNTIL = Buffer.from('20500101000000', 'latin1');

/** True when two lines name one serial or a serial has over 20 octets (the general path reports either). */
function duplicateOrOversizedSerial(b: Buffer, fields: LineFields): boolean {
  const { count, digitStart, serialEnd } = fields;
  const size = serialTableSize(count);
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
  for (let i = end - start > 8 ? end - 8 : start; i < end; i++)
    h = Math.imul(h ^ (b[i] as number), 0x01000193);
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
  work.set(b);
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
 * normally follow index order, and the new one differs from the previous by a few entries (a
 * revoke adds one): `previousIsKept` shows that with a few native comparisons of whole runs of
 * entries. Otherwise the sets of listed and expired serials are built and every serial checked.
 */
function droppedFrom(previous: Uint8Array, list: Buffer, expired: () => Set<string>): DroppedSerials {
  const previousBytes = Buffer.from(previous.buffer, previous.byteOffset, previous.length);
  if (previousIsKept(previousBytes, list)) return { total: 0, examples: [] };
  const accounted = expired();
  walkRevokedList(list, 0, list.length, (start, end) =>
    accounted.add(list.toString('hex', start, end).toUpperCase()),
  );
  const examples: string[] = [];
  let total = 0;
  walkRevokedList(previous, 0, previous.length, (start, end) => {
    if (accounted.has(previousBytes.toString('hex', start, end).toUpperCase())) return;
    total++;
    if (examples.length < 3) examples.push(serialHexOf(previous, start, end));
  });
  return { total, examples };
}

/** Entries the list may add to the previous one before `previousIsKept` gives up. */
const MAX_ADDED_ENTRIES = 64;

/**
 * True when `previous` (a well-formed entry list) is `list` with some of its entries left out,
 * byte for byte: then every previous entry, serial included, is still listed. Equal bytes from
 * an entry boundary in both lists are the same whole entries (DER delimits itself), so the lists
 * are compared in runs: the longest equal run is found by bisection, the list entry at the first
 * difference is skipped as added, and the rest is compared again.
 */
function previousIsKept(previous: Buffer, list: Buffer): boolean {
  let p = 0;
  let l = 0;
  for (let added = 0; added <= MAX_ADDED_ENTRIES; added++) {
    const rest = previous.length - p;
    if (rest <= list.length - l && previous.compare(list, l, l + rest, p) === 0) return true;
    // Longest equal run: prefix `low` equal, prefix `high` not (or past the end of the list).
    let low = 0;
    let high = Math.min(rest, list.length - l) + 1;
    while (high - low > 1) {
      const middle = (low + high) >>> 1;
      if (previous.compare(list, l, l + middle, p, p + middle) === 0) low = middle;
      else high = middle;
    }
    if (l + low >= list.length) return false;
    // The list entry holding the first difference (this scan's entries have short-form lengths).
    let entry = l;
    while (entry + 2 + (list[entry + 1] as number) <= l + low) entry += 2 + (list[entry + 1] as number);
    p += entry - l;
    l = entry + 2 + (list[entry + 1] as number);
  }
  return false;
}

import { REVOCATION_REASONS, parseReason } from './cert-index.js';
import { REASON_EXTENSION_PREFIX, type EncodedRevokedList } from './crl-encode.js';
import { TAG } from './der.js';

/**
 * The CRL's hot path: one pass over index.txt that yields the revokedCertificates DER directly,
 * without a CertIndexEntry per line. It runs once per process, mostly before V8 has optimised
 * anything, so the per-character work is left to built-ins (one sticky regular expression per
 * line, string slices, a single hex decode and a single latin1 encode for all entries) rather
 * than JavaScript loops over bytes.
 *
 * It accepts only lines that `parseIndex` accepts in their canonical form (uppercase serials, no
 * blank lines, no duplicate serials); for anything else it returns undefined and the caller takes
 * the general path (`parseIndex` + `planCrl`), which reports the precise error or handles the
 * variant. Both paths produce the same bytes (test/unit/pki/crl-index-scan.test.ts).
 */
export interface IndexCrlScan {
  /** Entries for every revoked certificate that has not expired at `nowKey`, in index order. */
  readonly revoked: EncodedRevokedList;
  /**
   * True when a serial (uppercase hex of its minimal DER INTEGER content, e.g. from the previous
   * CRL) is listed in this CRL or the index records its certificate as expired: the only reason
   * a serial may leave a CRL. False for a serial the index does not know.
   */
  accountsFor(serialContentHex: string): boolean;
  /** Earliest notAfter (15-character time key) among the listed entries; undefined if none. */
  readonly listedNotAfterMin: string | undefined;
}

/** A canonical index line: status, expiry, [revocation[,reason]], serial, file name, subject with a CN. */
const LINE =
  /([VRE])\t(\d{12}Z|\d{14}Z)\t(?:(\d{12}Z|\d{14}Z)(?:,([A-Za-z]+))?)?\t([0-9A-F]+)\t[^\t\n]*\t(?:[^\t\n]*\/)?CN=[^/\t\n][^\t\n]*(?:\n|$)/y;

const LISTED = 1;
const EXPIRED = 2;

const REASON_CODES = new Map<string, number>(Object.entries(REVOCATION_REASONS));

/** The reasonCode extension of an entry for each code, as latin1 text (one character per octet). */
const REASON_EXTENSIONS = Array.from({ length: 11 }, (_, code) =>
  Buffer.concat([REASON_EXTENSION_PREFIX, Buffer.of(code)]).toString('latin1'),
);

function reasonCode(name: string): number {
  const code = REASON_CODES.get(name);
  if (code !== undefined) return code;
  const named = parseReason(name);
  return named === undefined ? -1 : REVOCATION_REASONS[named];
}

/**
 * Hex of the DER INTEGER content for an uppercase hex serial (leading zeros stripped, a sign
 * octet if the high bit is set), or undefined above 20 octets (RFC 5280 4.1.2.2).
 */
function serialContentHex(hex: string): string | undefined {
  // The common case (random 128-bit serials) needs no change.
  if (hex.length % 2 === 0 && hex.charCodeAt(0) < 0x38 && !hex.startsWith('00') && hex.length <= 40) {
    return hex;
  }
  let digits = hex.replace(/^0+(?=.)/, '');
  if (digits.length % 2) digits = `0${digits}`;
  if (digits.length > 40) return undefined;
  return digits.charCodeAt(0) >= 0x38 ? `00${digits}` : digits;
}

/**
 * @param index index.txt bytes
 * @param nowKey `timeKey(now)`: 15 characters YYYYMMDDHHMMSSZ
 */
export function scanIndexForCrl(index: Uint8Array, nowKey: string): IndexCrlScan | undefined {
  // latin1 maps each byte to one character: offsets stay byte offsets and nothing is rejected
  // for its encoding (a UTF-8 subject is only checked for its CN= marker).
  const text = Buffer.from(index.buffer, index.byteOffset, index.length).toString('latin1');
  const flags = new Map<string, number>();
  const serials: string[] = [];
  const times: string[] = [];
  const reasons: number[] = [];
  let listedNotAfterMin: string | undefined;
  const line = LINE;
  line.lastIndex = 0;
  while (line.lastIndex < text.length) {
    const m = line.exec(text);
    if (m === null) return undefined;
    const revoked = m[3];
    if ((m[1] === 'R') !== (revoked !== undefined)) return undefined;
    const serial = serialContentHex(m[5] as string);
    if (serial === undefined || flags.has(serial)) return undefined;
    const expires = m[2] as string;
    // UTCTime years 50-99 are 19xx, 00-49 are 20xx; expired when notAfter <= now.
    const notAfter =
      expires.length === 13 ? (expires.charCodeAt(0) >= 0x35 ? '19' : '20') + expires : expires;
    if (notAfter <= nowKey) {
      flags.set(serial, EXPIRED);
      continue;
    }
    if (revoked === undefined) {
      flags.set(serial, 0);
      continue;
    }
    const reason = m[4] === undefined ? 0 : reasonCode(m[4]);
    if (reason < 0) return undefined;
    flags.set(serial, LISTED);
    if (listedNotAfterMin === undefined || notAfter < listedNotAfterMin) listedNotAfterMin = notAfter;
    serials.push(serial);
    // RFC 5280: UTCTime through 2049, GeneralizedTime from 2050.
    const year = revoked.length === 15 ? Number(revoked.slice(0, 4)) : 0;
    times.push(year >= 1950 && year < 2050 ? revoked.slice(2) : revoked);
    reasons.push(reason);
  }
  return {
    revoked: { der: encodeEntries(serials, times, reasons), count: serials.length },
    accountsFor: (serialContentHex) => (flags.get(serialContentHex) ?? 0) !== 0,
    listedNotAfterMin,
  };
}

/** All entries in two native conversions: one hex decode of every serial, one latin1 encode. */
function encodeEntries(serials: string[], times: string[], reasons: number[]): Buffer {
  const raw = Buffer.from(serials.join(''), 'hex').toString('latin1');
  const parts: string[] = new Array(serials.length);
  let offset = 0;
  for (let i = 0; i < serials.length; i++) {
    const serialLength = (serials[i] as string).length >> 1;
    const time = times[i] as string;
    const reason = reasons[i] as number;
    const contentLength =
      2 + serialLength + 2 + time.length + (reason === 0 ? 0 : REASON_EXTENSION_PREFIX.length + 1);
    parts[i] =
      String.fromCharCode(TAG.SEQUENCE, contentLength, TAG.INTEGER, serialLength) +
      raw.slice(offset, offset + serialLength) +
      String.fromCharCode(time.length === 13 ? TAG.UTC_TIME : TAG.GENERALIZED_TIME, time.length) +
      time +
      (reason === 0 ? '' : (REASON_EXTENSIONS[reason] as string));
    offset += serialLength;
  }
  return Buffer.from(parts.join(''), 'latin1');
}

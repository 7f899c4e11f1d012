import { decodeTime } from './asn1-time.js';
import { parseReason, type RevocationReason } from './cert-index.js';
import {
  children,
  contentOf,
  decodeOid,
  expectTag,
  integerValue,
  readElement,
  TAG,
  type DerElement,
} from './der.js';
import { MalformedInputError } from './errors.js';
import {
  asMalformed,
  caKeyId,
  algorithmOid,
  bitStringBytes,
  OID,
  verifySignature,
  type ParsedCertificate,
} from './x509.js';

export const CLIENT_VPN_MAX_CRL_ENTRIES = 20_000;
export const CRL_ENTRY_WARNING_THRESHOLD = 18_000;

export interface ParsedCrlEntry {
  readonly serial: string;
  /** Absent unless parsed with `entries: 'full'`. */
  readonly revoked?: Date;
  readonly reason?: RevocationReason;
}

export interface ParsedCrl {
  readonly issuer: Buffer;
  readonly thisUpdate: Date;
  readonly nextUpdate: Date | undefined;
  readonly crlNumber: bigint | undefined;
  readonly authorityKeyId: Buffer | undefined;
  /** Empty unless parsed with `entries: 'full'` or `'serials'`; `entryCount` is always set. */
  readonly entries: readonly ParsedCrlEntry[];
  readonly entryCount: number;
  /** The revokedCertificates entries (content of the SEQUENCE OF; empty when absent). */
  readonly revokedList: Buffer;
  readonly tbs: Buffer;
  readonly signatureAlgorithm: string;
  readonly signature: Buffer;
}

/**
 * Walks a revokedCertificates list (`der[start..end)`, the content of the SEQUENCE OF) without
 * allocating: calls `visit` with each entry's serial INTEGER content (minimal form) and returns
 * the number of entries. Throws MalformedInputError on a broken structure.
 */
export function walkRevokedList(
  der: Uint8Array,
  start: number,
  end: number,
  visit?: (serialStart: number, serialEnd: number) => void,
): number {
  let count = 0;
  let o = start;
  while (o < end) {
    if (der[o] !== TAG.SEQUENCE || o + 2 > end)
      throw new MalformedInputError('bad revoked certificate entry');
    let length = der[o + 1] as number;
    let content = o + 2;
    if (length & 0x80) {
      const n = length & 0x7f;
      if (n === 0 || n > 4 || content + n > end) throw new MalformedInputError('invalid DER length');
      length = 0;
      for (let i = 0; i < n; i++) length = length * 256 + (der[content++] as number);
    }
    const entryEnd = content + length;
    if (entryEnd > end) throw new MalformedInputError('DER element runs past its container');
    if (visit) {
      const serialLength = der[content + 1] as number;
      let serialStart = content + 2;
      const serialEnd = serialStart + serialLength;
      if (der[content] !== TAG.INTEGER || serialLength === 0 || serialLength & 0x80 || serialEnd > entryEnd) {
        throw new MalformedInputError('bad revoked certificate serial');
      }
      while (
        serialStart < serialEnd - 1 &&
        der[serialStart] === 0 &&
        (der[serialStart + 1] as number) < 0x80
      ) {
        serialStart++;
      }
      visit(serialStart, serialEnd);
    }
    o = entryEnd;
    count++;
  }
  return count;
}

/** Serial hex (uppercase, leading zero octets stripped, as openssl's index writes it) of INTEGER content. */
export function serialHexOf(der: Uint8Array, start: number, end: number): string {
  while (start < end - 1 && der[start] === 0) start++;
  return Buffer.from(der.buffer, der.byteOffset + start, end - start)
    .toString('hex')
    .toUpperCase();
}

const REASON_NAMES = [
  'unspecified',
  'keyCompromise',
  'CACompromise',
  'affiliationChanged',
  'superseded',
  'cessationOfOperation',
  'certificateHold',
  undefined,
  'removeFromCRL',
];

function extensionsOf(buf: Buffer, seqEl: DerElement, what: string): Map<string, Buffer> {
  const map = new Map<string, Buffer>();
  for (const ext of children(buf, expectTag(seqEl, TAG.SEQUENCE, what))) {
    const parts = children(buf, ext);
    const id = decodeOid(contentOf(buf, expectTag(parts[0], TAG.OID, what)));
    map.set(id, contentOf(buf, expectTag(parts[parts.length - 1], TAG.OCTET_STRING, what)));
  }
  return map;
}

/**
 * Parses a CRL. `entries` chooses how much of each revoked entry is decoded: everything, the
 * serial only, or nothing but the count (the fast paths for 20,000 entries).
 */
export function parseCrl(
  der: Buffer,
  what = 'CRL',
  options: { entries?: 'full' | 'serials' | 'count' } = {},
): ParsedCrl {
  const mode = options.entries ?? 'full';
  let entryCount = 0;
  try {
    const root = readElement(der, 0);
    if (root.end !== der.length) throw new Error('trailing data');
    const [tbsEl, algEl, sigEl] = children(der, expectTag(root, TAG.SEQUENCE, what));
    const fields = children(der, expectTag(tbsEl, TAG.SEQUENCE, what));
    let i = fields[0]?.tag === TAG.INTEGER ? 1 : 0;
    i++; // inner signature AlgorithmIdentifier
    const issuerEl = expectTag(fields[i++], TAG.SEQUENCE, what);
    const thisEl = fields[i++] as DerElement;
    const thisUpdate = decodeTime(thisEl.tag, contentOf(der, thisEl));
    let nextUpdate: Date | undefined;
    const maybeNext = fields[i];
    if (maybeNext && (maybeNext.tag === TAG.UTC_TIME || maybeNext.tag === TAG.GENERALIZED_TIME)) {
      nextUpdate = decodeTime(maybeNext.tag, contentOf(der, maybeNext));
      i++;
    }
    const entries: ParsedCrlEntry[] = [];
    let revokedList: Buffer = Buffer.alloc(0);
    if (fields[i]?.tag === TAG.SEQUENCE) {
      const list = fields[i++] as DerElement;
      revokedList = der.subarray(list.contentStart, list.end);
      if (mode === 'full') {
        for (const entryEl of children(der, list)) {
          const [serialEl, timeEl, extsEl] = children(der, entryEl);
          const time = timeEl as DerElement;
          let reason: RevocationReason | undefined;
          if (extsEl) {
            const code = extensionsOf(der, extsEl, what).get(OID.reasonCode);
            if (code) reason = parseReason(REASON_NAMES[code[code.length - 1] as number] ?? '');
          }
          const serial = expectTag(serialEl, TAG.INTEGER, what);
          entries.push({
            serial: serialHexOf(der, serial.contentStart, serial.end),
            revoked: decodeTime(time.tag, contentOf(der, time)),
            ...(reason === undefined ? {} : { reason }),
          });
        }
        entryCount = entries.length;
      } else {
        entryCount = walkRevokedList(
          der,
          list.contentStart,
          list.end,
          mode === 'serials'
            ? (start, end) => entries.push({ serial: serialHexOf(der, start, end) })
            : undefined,
        );
      }
    }
    let crlNumber: bigint | undefined;
    let authorityKeyId: Buffer | undefined;
    const extsWrapper = fields[i];
    if (extsWrapper?.tag === 0xa0) {
      const exts = extensionsOf(der, children(der, extsWrapper)[0] as DerElement, what);
      const number = exts.get(OID.crlNumber);
      if (number)
        crlNumber = integerValue(contentOf(number, expectTag(readElement(number, 0), TAG.INTEGER, what)));
      const aki = exts.get(OID.authorityKeyIdentifier);
      if (aki) {
        const keyIdEl = children(aki, readElement(aki, 0)).find((el) => el.tag === 0x80);
        if (keyIdEl) authorityKeyId = Buffer.from(contentOf(aki, keyIdEl));
      }
    }
    return {
      issuer: Buffer.from(der.subarray(issuerEl.start, issuerEl.end)),
      thisUpdate,
      nextUpdate,
      crlNumber,
      authorityKeyId,
      entries,
      entryCount,
      revokedList,
      tbs: der.subarray((tbsEl as DerElement).start, (tbsEl as DerElement).end),
      signatureAlgorithm: algorithmOid(der, algEl as DerElement, what),
      signature: bitStringBytes(der, sigEl as DerElement, what),
    };
  } catch (error) {
    throw asMalformed(error, what, 'not a valid X.509 CRL');
  }
}

export interface CrlCheckOptions {
  readonly now: Date;
  /** nextUpdate must be at least this far after `now` (safety rule 4: the configured margin). */
  readonly minRemainingMs?: number;
  readonly maxEntries?: number;
  /** The CRL this one replaces: its number must be lower. */
  readonly previousCrlNumber?: bigint;
  /** Serials that must be present (revoked, certificate not yet expired). */
  readonly requiredSerials?: Iterable<string>;
  /** The exact number of entries the CRL must have (self-check of a CRL just built). */
  readonly expectedEntryCount?: number;
}

export interface CrlReport {
  readonly valid: boolean;
  readonly problems: string[];
  readonly crlNumber: string | undefined;
  readonly thisUpdate: string;
  readonly nextUpdate: string | undefined;
  readonly entries: number;
  readonly daysUntilExpiry: number | undefined;
}

/** Checks a parsed CRL against its CA before it ships (safety rule 4). Never throws on a bad CRL. */
export function checkCrl(crl: ParsedCrl, ca: ParsedCertificate, options: CrlCheckOptions): CrlReport {
  const problems: string[] = [];
  const { now } = options;
  const issuerMatches = crl.issuer.equals(ca.subject);
  if (!issuerMatches) problems.push('issuer does not match the CA certificate subject');
  if (crl.authorityKeyId && !crl.authorityKeyId.equals(caKeyId(ca))) {
    problems.push('authority key identifier does not match the CA key');
  }
  if (!verifySignature(crl.signatureAlgorithm, crl.tbs, ca.publicKey, crl.signature)) {
    problems.push('signature does not verify with the CA public key');
  }
  if (crl.thisUpdate.getTime() > now.getTime() + 5 * 60_000) problems.push('thisUpdate is in the future');
  if (!crl.nextUpdate) {
    problems.push('nextUpdate is missing');
  } else if (crl.nextUpdate.getTime() <= now.getTime()) {
    problems.push(`CRL expired at ${crl.nextUpdate.toISOString()}`);
  } else if (crl.nextUpdate.getTime() - now.getTime() < (options.minRemainingMs ?? 0)) {
    problems.push(`nextUpdate ${crl.nextUpdate.toISOString()} is within the required margin`);
  }
  const max = options.maxEntries ?? CLIENT_VPN_MAX_CRL_ENTRIES;
  if (crl.entryCount > max) problems.push(`${crl.entryCount} entries exceed the limit of ${max}`);
  if (options.expectedEntryCount !== undefined && crl.entryCount !== options.expectedEntryCount) {
    problems.push(`${crl.entryCount} entries where ${options.expectedEntryCount} were expected`);
  }
  if (options.previousCrlNumber !== undefined) {
    if (crl.crlNumber === undefined) problems.push('CRL number is missing');
    else if (crl.crlNumber <= options.previousCrlNumber) {
      problems.push(
        `CRL number ${crl.crlNumber} is not greater than the previous ${options.previousCrlNumber}`,
      );
    }
  }
  if (options.requiredSerials) {
    const present = new Set(crl.entries.map((e) => e.serial));
    const missing = [...options.requiredSerials].filter((s) => !present.has(s));
    if (missing.length > 0) {
      problems.push(
        `${missing.length} revoked unexpired serial(s) missing, e.g. ${missing.slice(0, 3).join(', ')}`,
      );
    }
  }
  return {
    valid: problems.length === 0,
    problems,
    crlNumber: crl.crlNumber?.toString(),
    thisUpdate: crl.thisUpdate.toISOString(),
    nextUpdate: crl.nextUpdate?.toISOString(),
    entries: crl.entryCount,
    daysUntilExpiry: crl.nextUpdate
      ? Math.floor(((crl.nextUpdate.getTime() - now.getTime()) / 86_400_000) * 100) / 100
      : undefined,
  };
}

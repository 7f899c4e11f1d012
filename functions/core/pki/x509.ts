import { createHash, createPublicKey, verify, type KeyObject } from 'node:crypto';
import { decodeTime } from './asn1-time.js';
import {
  bytesOf,
  children,
  contentOf,
  decodeOid,
  expectTag,
  integerHex,
  readElement,
  TAG,
  type DerElement,
} from './der.js';
import { MalformedInputError } from './errors.js';

export const OID = {
  commonName: '2.5.4.3',
  subjectKeyIdentifier: '2.5.29.14',
  keyUsage: '2.5.29.15',
  subjectAltName: '2.5.29.17',
  basicConstraints: '2.5.29.19',
  crlNumber: '2.5.29.20',
  reasonCode: '2.5.29.21',
  authorityKeyIdentifier: '2.5.29.35',
  extKeyUsage: '2.5.29.37',
  serverAuth: '1.3.6.1.5.5.7.3.1',
  clientAuth: '1.3.6.1.5.5.7.3.2',
  rsaEncryption: '1.2.840.113549.1.1.1',
} as const;

const SIGNATURE_HASHES: Record<string, string> = {
  '1.2.840.113549.1.1.11': 'sha256',
  '1.2.840.113549.1.1.12': 'sha384',
  '1.2.840.113549.1.1.13': 'sha512',
  '1.2.840.10045.4.3.2': 'sha256',
  '1.2.840.10045.4.3.3': 'sha384',
  '1.2.840.10045.4.3.4': 'sha512',
};

/** Verifies `signature` over `data` with the hash named by an AlgorithmIdentifier OID; false if unsupported. */
export function verifySignature(
  algorithmOid: string,
  data: Buffer,
  key: KeyObject,
  signature: Buffer,
): boolean {
  const hash = SIGNATURE_HASHES[algorithmOid];
  if (!hash) return false;
  try {
    return verify(hash, data, key, signature);
  } catch {
    return false;
  }
}

export function algorithmOid(buf: Uint8Array, algId: DerElement, what: string): string {
  const [oidEl] = children(buf, expectTag(algId, TAG.SEQUENCE, what));
  return decodeOid(contentOf(buf, expectTag(oidEl, TAG.OID, what)));
}

export function bitStringBytes(buf: Uint8Array, el: DerElement, what: string): Buffer {
  const content = contentOf(buf, expectTag(el, TAG.BIT_STRING, what));
  if (content[0] !== 0) throw new MalformedInputError(`${what}: unexpected unused bits`);
  return content.subarray(1);
}

/** First CN of a DER Name, or undefined. */
export function commonNameFromName(buf: Uint8Array, name: DerElement): string | undefined {
  for (const rdn of children(buf, name)) {
    for (const atv of children(buf, rdn)) {
      const [type, value] = children(buf, atv);
      if (type?.tag === TAG.OID && value && decodeOid(contentOf(buf, type)) === OID.commonName) {
        return contentOf(buf, value).toString('utf8');
      }
    }
  }
  return undefined;
}

/** RFC 5280 4.2.1.2 method 1: SHA-1 of the subjectPublicKey bits. */
export function keyIdentifier(spki: Buffer): Buffer {
  const root = readElement(spki, 0);
  const [, bits] = children(spki, root);
  return createHash('sha1')
    .update(bitStringBytes(spki, bits as DerElement, 'public key'))
    .digest();
}

export interface ParsedCertificate {
  readonly der: Buffer;
  readonly serial: string;
  readonly issuer: Buffer;
  readonly subject: Buffer;
  readonly commonName: string | undefined;
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly spki: Buffer;
  readonly publicKey: KeyObject;
  readonly subjectKeyId: Buffer | undefined;
  readonly tbs: Buffer;
  readonly signatureAlgorithm: string;
  readonly signature: Buffer;
}

export function parseCertificate(der: Buffer, what = 'certificate'): ParsedCertificate {
  try {
    const root = readElement(der, 0);
    if (root.end !== der.length) throw new MalformedInputError(`${what}: trailing data`);
    const [tbsEl, algEl, sigEl] = children(der, expectTag(root, TAG.SEQUENCE, what));
    const fields = children(der, expectTag(tbsEl, TAG.SEQUENCE, what));
    let i = fields[0]?.tag === 0xa0 ? 1 : 0;
    const serialEl = expectTag(fields[i++], TAG.INTEGER, what);
    i++; // inner signature AlgorithmIdentifier
    const issuerEl = expectTag(fields[i++], TAG.SEQUENCE, what);
    const validity = children(der, expectTag(fields[i++], TAG.SEQUENCE, what));
    const subjectEl = expectTag(fields[i++], TAG.SEQUENCE, what);
    const spkiEl = expectTag(fields[i++], TAG.SEQUENCE, what);
    let subjectKeyId: Buffer | undefined;
    for (const el of fields.slice(i)) {
      if (el.tag !== 0xa3) continue;
      const [exts] = children(der, el);
      for (const ext of children(der, expectTag(exts, TAG.SEQUENCE, what))) {
        const parts = children(der, ext);
        const id = decodeOid(contentOf(der, expectTag(parts[0], TAG.OID, what)));
        if (id !== OID.subjectKeyIdentifier) continue;
        const value = parts[parts.length - 1] as DerElement;
        const inner = contentOf(der, expectTag(value, TAG.OCTET_STRING, what));
        subjectKeyId = Buffer.from(
          contentOf(inner, expectTag(readElement(inner, 0), TAG.OCTET_STRING, what)),
        );
      }
    }
    const [nb, na] = validity as [DerElement, DerElement];
    const spki = Buffer.from(bytesOf(der, spkiEl));
    return {
      der,
      serial: integerHex(contentOf(der, serialEl)),
      issuer: Buffer.from(bytesOf(der, issuerEl)),
      subject: Buffer.from(bytesOf(der, subjectEl)),
      commonName: commonNameFromName(der, subjectEl),
      notBefore: decodeTime(nb.tag, contentOf(der, nb)),
      notAfter: decodeTime(na.tag, contentOf(der, na)),
      spki,
      publicKey: createPublicKey({ key: spki, format: 'der', type: 'spki' }),
      subjectKeyId,
      tbs: Buffer.from(bytesOf(der, tbsEl as DerElement)),
      signatureAlgorithm: algorithmOid(der, algEl as DerElement, what),
      signature: bitStringBytes(der, sigEl as DerElement, what),
    };
  } catch (error) {
    throw asMalformed(error, what, 'not a valid X.509 certificate');
  }
}

/** Wraps any parse failure as a MalformedInputError naming `what` (never includes input bytes). */
export function asMalformed(error: unknown, what: string, summary: string): MalformedInputError {
  if (error instanceof MalformedInputError && error.message.startsWith(`${what}:`)) return error;
  const detail = error instanceof MalformedInputError ? ` (${error.message})` : '';
  return new MalformedInputError(`${what}: ${summary}${detail}`);
}

/** Key identifier the CA's certificates and CRLs name in authorityKeyIdentifier. */
export const caKeyId = (ca: ParsedCertificate): Buffer => ca.subjectKeyId ?? keyIdentifier(ca.spki);

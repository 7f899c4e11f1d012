import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { encodeTime } from './asn1-time.js';
import {
  bitString,
  boolean,
  encodeDer,
  explicit,
  integer,
  nullNode,
  octetString,
  oid,
  prim,
  raw,
  seq,
  set,
  utf8String,
  type DerNode,
} from './der.js';
import { SHA256_WITH_RSA, type CaSigner } from './signer.js';
import { keyIdentifier, OID } from './x509.js';

/** What a certificate is for; extensions follow easy-rsa's x509-types (client, server, ca). */
export type CertProfile = 'client' | 'server' | 'ca';

export interface CertificateTemplate {
  readonly serial: Buffer;
  /** DER Name of the issuer, copied byte for byte from the CA certificate. */
  readonly issuer: Buffer;
  readonly subjectCn: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly spki: Buffer;
  readonly profile: CertProfile;
  readonly authorityKeyId: Buffer;
}

export const RSA_KEY_BITS = 2048;
export const DEFAULT_CERT_DAYS = 825;
export const DEFAULT_CA_DAYS = 3650;

export const sha256WithRsa = (): DerNode => seq(oid(SHA256_WITH_RSA), nullNode());

export function nameForCommonName(cn: string): Buffer {
  return encodeDer(seq(set(seq(oid(OID.commonName), utf8String(cn)))));
}

/** 16 random bytes with the high bit cleared and a non-zero first byte: a positive 128-bit serial. */
export function randomSerial(random: (size: number) => Buffer): Buffer {
  const bytes = Buffer.from(random(16));
  bytes[0] = ((bytes[0] as number) & 0x7f) | 0x01;
  return bytes;
}

export function generateRsaKey(): { privateKey: KeyObject; publicKey: KeyObject } {
  return generateKeyPairSync('rsa', { modulusLength: RSA_KEY_BITS });
}

const timeNode = (date: Date): DerNode => {
  const t = encodeTime(date);
  return prim(t.tag, Buffer.from(t.text, 'latin1'));
};

const extension = (id: string, critical: boolean, value: DerNode): DerNode =>
  critical
    ? seq(oid(id), boolean(true), octetString(encodeDer(value)))
    : seq(oid(id), octetString(encodeDer(value)));

const KEY_USAGE: Record<CertProfile, DerNode> = {
  client: bitString(Uint8Array.of(0x80), 7),
  server: bitString(Uint8Array.of(0xa0), 5),
  ca: bitString(Uint8Array.of(0x06), 1),
};

const DNS_NAME =
  /^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$/;

function extensions(t: CertificateTemplate): DerNode[] {
  const out: DerNode[] = [];
  out.push(
    t.profile === 'ca'
      ? extension(OID.basicConstraints, true, seq(boolean(true)))
      : extension(OID.basicConstraints, false, seq()),
  );
  out.push(extension(OID.subjectKeyIdentifier, false, octetString(keyIdentifier(t.spki))));
  out.push(extension(OID.authorityKeyIdentifier, false, seq(prim(0x80, t.authorityKeyId))));
  if (t.profile !== 'ca') {
    out.push(
      extension(OID.extKeyUsage, false, seq(oid(t.profile === 'server' ? OID.serverAuth : OID.clientAuth))),
    );
  }
  out.push(extension(OID.keyUsage, false, KEY_USAGE[t.profile]));
  if (t.profile === 'server' && DNS_NAME.test(t.subjectCn)) {
    // easy-rsa's default server SAN: DNS:<common name>.
    out.push(extension(OID.subjectAltName, false, seq(prim(0x82, Buffer.from(t.subjectCn, 'ascii')))));
  }
  return out;
}

export async function signCertificate(t: CertificateTemplate, signer: CaSigner): Promise<Buffer> {
  const tbs = encodeDer(
    seq(
      explicit(0, integer(2)),
      integer(t.serial),
      sha256WithRsa(),
      raw(t.issuer),
      seq(timeNode(t.notBefore), timeNode(t.notAfter)),
      raw(nameForCommonName(t.subjectCn)),
      raw(t.spki),
      explicit(3, seq(...extensions(t))),
    ),
  );
  const signature = await signer.sign(tbs);
  return encodeDer(seq(raw(tbs), sha256WithRsa(), bitString(signature)));
}

export function addDays(date: Date, days: number): Date {
  return new Date(Math.floor(date.getTime() / 1000) * 1000 + days * 86_400_000);
}

/** Self-signed CA certificate (`pki init`). */
export async function buildCaCertificate(input: {
  commonName: string;
  spki: Buffer;
  serial: Buffer;
  now: Date;
  days: number;
  signer: CaSigner;
}): Promise<Buffer> {
  const name = nameForCommonName(input.commonName);
  return signCertificate(
    {
      serial: input.serial,
      issuer: name,
      subjectCn: input.commonName,
      notBefore: addDays(input.now, 0),
      notAfter: addDays(input.now, input.days),
      spki: input.spki,
      profile: 'ca',
      authorityKeyId: keyIdentifier(input.spki),
    },
    input.signer,
  );
}

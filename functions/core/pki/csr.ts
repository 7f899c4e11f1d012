import { createPublicKey, type KeyObject } from 'node:crypto';
import { bytesOf, children, expectTag, readElement, TAG, type DerElement } from './der.js';
import { MalformedInputError } from './errors.js';
import { RSA_KEY_BITS } from './certificate-builder.js';
import { algorithmOid, asMalformed, bitStringBytes, commonNameFromName, verifySignature } from './x509.js';

export interface ParsedCsr {
  readonly commonName: string | undefined;
  readonly spki: Buffer;
  readonly publicKey: KeyObject;
}

/**
 * Parses a PKCS#10 request, checks its self-signature (proof the requester holds the key) and that
 * the key is RSA-2048, the key type Client VPN accepts.
 */
export function parseCsr(der: Buffer, what = 'CSR'): ParsedCsr {
  let parsed: ParsedCsr & { info: Buffer; alg: string; signature: Buffer };
  try {
    const root = readElement(der, 0);
    if (root.end !== der.length) throw new MalformedInputError(`${what}: trailing data`);
    const [infoEl, algEl, sigEl] = children(der, expectTag(root, TAG.SEQUENCE, what));
    const [, subjectEl, spkiEl] = children(der, expectTag(infoEl, TAG.SEQUENCE, what));
    const spki = Buffer.from(bytesOf(der, expectTag(spkiEl, TAG.SEQUENCE, what)));
    parsed = {
      commonName: commonNameFromName(der, expectTag(subjectEl, TAG.SEQUENCE, what)),
      spki,
      publicKey: createPublicKey({ key: spki, format: 'der', type: 'spki' }),
      info: Buffer.from(bytesOf(der, infoEl as DerElement)),
      alg: algorithmOid(der, algEl as DerElement, what),
      signature: bitStringBytes(der, sigEl as DerElement, what),
    };
  } catch (error) {
    throw asMalformed(error, what, 'not a valid PKCS#10 certificate request');
  }
  if (!verifySignature(parsed.alg, parsed.info, parsed.publicKey, parsed.signature)) {
    throw new MalformedInputError(`${what}: signature does not verify (or uses an unsupported algorithm)`);
  }
  const details = parsed.publicKey.asymmetricKeyDetails;
  if (parsed.publicKey.asymmetricKeyType !== 'rsa' || details?.modulusLength !== RSA_KEY_BITS) {
    throw new MalformedInputError(`${what}: key must be RSA-${RSA_KEY_BITS} (Client VPN requirement)`);
  }
  return { commonName: parsed.commonName, spki: parsed.spki, publicKey: parsed.publicKey };
}

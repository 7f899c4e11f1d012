import { generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import {
  buildCaCertificate,
  generateRsaKey,
  nameForCommonName,
  randomSerial,
  sha256WithRsa,
} from '../../../functions/core/pki/certificate-builder.js';
import { bitString, encodeDer, explicit, integer, raw, seq } from '../../../functions/core/pki/der.js';
import { toPem } from '../../../functions/core/pki/pem.js';
import { keySigner, type CaSigner } from '../../../functions/core/pki/signer.js';
import { parseCertificate, type ParsedCertificate } from '../../../functions/core/pki/x509.js';

export interface TestCa {
  readonly cert: ParsedCertificate;
  readonly signer: CaSigner;
  readonly privateKeyPem: string;
}

/** An in-memory CA (RSA-2048 key generation takes ~100 ms: create one per suite). */
export async function createTestCa(
  commonName = 'Test CA',
  now = new Date('2025-01-01T00:00:00Z'),
): Promise<TestCa> {
  const { privateKey, publicKey } = generateRsaKey();
  const signer = keySigner(privateKey);
  const der = await buildCaCertificate({
    commonName,
    spki: publicKey.export({ type: 'spki', format: 'der' }),
    serial: randomSerial(randomBytes),
    now,
    days: 3650,
    signer,
  });
  return {
    cert: parseCertificate(der),
    signer,
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
  };
}

/**
 * A PKCS#10 request for `commonName` (default bob-laptop), built from DER primitives and signed
 * with its own key: RSA-2048 unless `bits` says otherwise; `ec` signs with a P-256 key instead
 * (under the same sha256WithRSA identifier), `tamper` spoils the signature.
 */
export function testCsr(
  options: { commonName?: string; bits?: number; ec?: boolean; tamper?: boolean } = {},
): string {
  const { privateKey, publicKey } = options.ec
    ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
    : generateKeyPairSync('rsa', { modulusLength: options.bits ?? 2048 });
  const info = encodeDer(
    seq(
      integer(0),
      raw(nameForCommonName(options.commonName ?? 'bob-laptop')),
      raw(publicKey.export({ type: 'spki', format: 'der' })),
      explicit(0),
    ),
  );
  const signature = sign('sha256', info, privateKey);
  if (options.tamper) signature[10] = (signature[10] as number) ^ 0xff;
  return toPem('CERTIFICATE REQUEST', encodeDer(seq(raw(info), sha256WithRsa(), bitString(signature))));
}

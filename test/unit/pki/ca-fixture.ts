import { randomBytes } from 'node:crypto';
import {
  buildCaCertificate,
  generateRsaKey,
  randomSerial,
} from '../../../functions/core/pki/certificate-builder.js';
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

import { beforeAll, describe, expect, it } from '@jest/globals';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { issueCertificate, revokeCertificate } from '../../../functions/core/pki/ca-operations.js';
import type { CertIndexEntry } from '../../../functions/core/pki/cert-index.js';
import { generateRsaKey } from '../../../functions/core/pki/certificate-builder.js';
import { toPem } from '../../../functions/core/pki/pem.js';
import { vpnCertificateProblems } from '../../../functions/core/vpn/certificate-checks.js';
import { createTestCa, type TestCa } from '../pki/ca-fixture.js';

const issuedAt = new Date('2025-02-01T00:00:00Z');
const now = new Date('2025-06-01T00:00:00Z');
let ca: TestCa;
let caPem: string;

interface Issued {
  certPem: string;
  keyPem: string;
  index: CertIndexEntry[];
}

async function issue(profile: 'client' | 'server', issuer: TestCa = ca, days = 825): Promise<Issued> {
  const { privateKey, publicKey } = generateRsaKey();
  const result = await issueCertificate({
    ca: issuer.cert,
    index: [],
    commonName: 'alice',
    profile,
    spki: publicKey.export({ type: 'spki', format: 'der' }),
    now: issuedAt,
    days,
    signer: issuer.signer,
    random: randomBytes,
  });
  return {
    certPem: toPem('CERTIFICATE', result.certificate),
    keyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
    index: result.index,
  };
}

beforeAll(async () => {
  ca = await createTestCa('VPN CA', new Date('2025-01-01T00:00:00Z'));
  caPem = toPem('CERTIFICATE', ca.cert.der);
});

describe('vpnCertificateProblems', () => {
  it('accepts a valid client certificate with its key', async () => {
    const c = await issue('client');
    expect(vpnCertificateProblems({ purpose: 'client', caPem, ...c, now })).toEqual([]);
  });

  it('requires the extended key usage of the purpose', async () => {
    const c = await issue('client');
    expect(vpnCertificateProblems({ purpose: 'server', caPem, ...c, now })).toEqual([
      'it lacks the serverAuth extended key usage (a server certificate is needed)',
    ]);
  });

  it('refuses a revoked certificate, one missing from the index, and an expired one', async () => {
    const c = await issue('server');
    const revoked = revokeCertificate({ index: c.index, commonName: 'alice', now }).index;
    expect(vpnCertificateProblems({ purpose: 'server', caPem, ...c, index: revoked, now })).toEqual([
      expect.stringMatching(/^serial [0-9A-F]+ is revoked$/),
    ]);
    expect(vpnCertificateProblems({ purpose: 'server', caPem, ...c, index: [], now })).toEqual([
      expect.stringMatching(/is not in the store's index.txt$/),
    ]);
    const short = await issue('server', ca, 30);
    expect(vpnCertificateProblems({ purpose: 'server', caPem, ...short, now })).toEqual([
      expect.stringMatching(/^it expired on /),
    ]);
  });

  it("refuses a certificate from another CA and a key that is not the certificate's", async () => {
    const other = await createTestCa('Other CA', new Date('2025-01-01T00:00:00Z'));
    const foreign = await issue('client', other);
    expect(vpnCertificateProblems({ purpose: 'client', caPem, ...foreign, now })).toContain(
      "it was not issued by this store's CA",
    );
    const c = await issue('client');
    const wrongKey = generateRsaKey().privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
    expect(vpnCertificateProblems({ purpose: 'client', caPem, ...c, keyPem: wrongKey, now })).toEqual([
      'the private key does not match the certificate',
    ]);
    expect(vpnCertificateProblems({ purpose: 'client', caPem, ...c, keyPem: 'junk', now })).toEqual([
      'the private key is not a readable unencrypted PEM key',
    ]);
  });

  it('refuses a key that is not RSA-2048', async () => {
    const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const result = await issueCertificate({
      ca: ca.cert,
      index: [],
      commonName: 'alice',
      profile: 'client',
      spki: publicKey.export({ type: 'spki', format: 'der' }),
      now: issuedAt,
      days: 825,
      signer: ca.signer,
      random: randomBytes,
    });
    const problems = vpnCertificateProblems({
      purpose: 'client',
      caPem,
      certPem: toPem('CERTIFICATE', result.certificate),
      keyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
      index: result.index,
      now,
    });
    expect(problems).toEqual(['its key is not RSA-2048 (what Client VPN accepts)']);
  });

  it('names no key material in its messages', async () => {
    const c = await issue('client');
    const problems = vpnCertificateProblems({ purpose: 'server', caPem, ...c, keyPem: 'junk', now });
    for (const p of problems) expect(p).not.toMatch(/BEGIN|PRIVATE/);
  });
});

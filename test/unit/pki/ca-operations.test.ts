import { beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes, X509Certificate } from 'node:crypto';
import { issueCertificate, revokeCertificate } from '../../../functions/core/pki/ca-operations.js';
import { generateRsaKey } from '../../../functions/core/pki/certificate-builder.js';
import { buildOvpnProfile } from '../../../functions/core/pki/ovpn-profile.js';
import { ConflictError, NotFoundError, ValidationError } from '../../../functions/core/errors.js';
import { createTestCa, type TestCa } from './ca-fixture.js';

const now = new Date('2025-06-01T00:00:00Z');
let ca: TestCa;
const spki = generateRsaKey().publicKey.export({ type: 'spki', format: 'der' });

beforeAll(async () => {
  ca = await createTestCa('Ops CA', new Date('2025-01-01T00:00:00Z'));
});

const issue = (
  index: Parameters<typeof issueCertificate>[0]['index'],
  commonName: string,
  profile: 'client' | 'server' = 'client',
) =>
  issueCertificate({
    ca: ca.cert,
    index,
    commonName,
    profile,
    spki,
    now,
    days: 825,
    signer: ca.signer,
    random: randomBytes,
  });

describe('issue and revoke', () => {
  it('issues a client certificate signed by the CA with a positive 128-bit serial', async () => {
    const { entry, certificate } = await issue([], 'alice');
    const x509 = new X509Certificate(certificate);
    expect(x509.verify(new X509Certificate(ca.cert.der).publicKey)).toBe(true);
    expect(x509.checkIssued(new X509Certificate(ca.cert.der))).toBe(true);
    expect(x509.subject).toBe('CN=alice');
    expect(x509.serialNumber).toBe(entry.serial);
    expect(entry.serial).toMatch(/^(0[1-9A-F]|[1-7][0-9A-F])[0-9A-F]{30}$/);
    expect(x509.keyUsage).toEqual(['1.3.6.1.5.5.7.3.2']);
    expect(entry.expires).toBe('270904000000Z');
  });

  it('issues a server certificate with serverAuth and a DNS SAN', async () => {
    const x509 = new X509Certificate((await issue([], 'vpn.example.com', 'server')).certificate);
    expect(x509.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1']);
    expect(x509.subjectAltName).toBe('DNS:vpn.example.com');
  });

  it('refuses a second valid certificate for the same CN, and unsafe names', async () => {
    const { index } = await issue([], 'alice');
    await expect(issue(index, 'alice')).rejects.toThrow(ConflictError);
    await expect(issue([], '../etc/passwd')).rejects.toThrow(ValidationError);
  });

  it('refuses a certificate that would outlive the CA', async () => {
    await expect(
      issueCertificate({
        ca: ca.cert,
        index: [],
        commonName: 'x',
        profile: 'client',
        spki,
        now,
        days: 3650,
        signer: ca.signer,
        random: randomBytes,
      }),
    ).rejects.toThrow(/outlive the CA/);
  });

  it('revokes by CN or serial with a reason, and refuses unknown or already revoked certificates', async () => {
    const { index, entry } = await issue([], 'alice');
    const byCn = revokeCertificate({ index, commonName: 'alice', reason: 'keyCompromise', now });
    expect(byCn.entry).toMatchObject({ status: 'R', revoked: '250601000000Z', reason: 'keyCompromise' });
    expect(revokeCertificate({ index, serial: entry.serial.toLowerCase(), now }).entry.status).toBe('R');
    expect(() => revokeCertificate({ index, commonName: 'bob', now })).toThrow(NotFoundError);
    expect(() => revokeCertificate({ index: byCn.index, commonName: 'alice', now })).toThrow(
      /already revoked/,
    );
    expect(() => revokeCertificate({ index, now })).toThrow(ValidationError);
  });

  it('builds a Client VPN .ovpn profile with inline ca, cert and key', () => {
    const profile = buildOvpnProfile({
      remote: '*.cvpn-endpoint-0123.prod.clientvpn.us-east-1.amazonaws.com',
      caPem: 'CA',
      certPem: 'CERT',
      keyPem: 'KEY',
    });
    expect(profile).toContain('remote cvpn-endpoint-0123.prod.clientvpn.us-east-1.amazonaws.com 443\n');
    expect(profile).toContain('<ca>\nCA\n</ca>\n<cert>\nCERT\n</cert>\n<key>\nKEY\n</key>\n');
    expect(() => buildOvpnProfile({ remote: 'not a host', caPem: '', certPem: '', keyPem: '' })).toThrow(
      /remote/,
    );
  });
});

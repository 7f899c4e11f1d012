import { describe, expect, it, beforeAll } from '@jest/globals';
import { X509Certificate } from 'node:crypto';
import { buildCrl, encodeTbsCertList, type CrlEntryInput } from '../../../functions/core/pki/crl-encode.js';
import { checkCrl, parseCrl } from '../../../functions/core/pki/crl-verify.js';
import { toPem } from '../../../functions/core/pki/pem.js';
import { caKeyId } from '../../../functions/core/pki/x509.js';
import { createTestCa, type TestCa } from './ca-fixture.js';

const now = new Date('2025-06-01T12:00:00Z');
let ca: TestCa;
let otherCa: TestCa;

beforeAll(async () => {
  ca = await createTestCa('Test CA');
  otherCa = await createTestCa('Test CA');
});

function entries(count: number): CrlEntryInput[] {
  return Array.from({ length: count }, (_, i) => ({
    serial: (0x7f000000 + i * 7919).toString(16).toUpperCase().padStart(32, '1'),
    revoked: '250501120000Z',
    ...(i % 3 === 0 ? { reason: 'keyCompromise' as const } : {}),
  }));
}

async function crlFor(list: CrlEntryInput[], signerCa = ca, days = 30) {
  return buildCrl(
    {
      issuer: ca.cert.subject,
      authorityKeyId: caKeyId(ca.cert),
      crlNumber: 42n,
      thisUpdate: now,
      nextUpdate: new Date(now.getTime() + days * 86_400_000),
      entries: list,
    },
    signerCa.signer,
  );
}

describe('CRL encoder', () => {
  it('encodes 20,000 entries that parse back exactly, in well under a second', async () => {
    const list = entries(20_000);
    const started = performance.now();
    const der = await crlFor(list);
    const elapsed = performance.now() - started;
    const parsed = parseCrl(der);
    expect(parsed.entries).toHaveLength(20_000);
    expect(parsed.entries.map((e) => e.serial)).toEqual(list.map((e) => e.serial));
    expect(parsed.entries[0]?.reason).toBe('keyCompromise');
    expect(parsed.entries[1]?.reason).toBeUndefined();
    expect(parsed.crlNumber).toBe(42n);
    expect(checkCrl(parsed, ca.cert, { now }).valid).toBe(true);
    expect(elapsed).toBeLessThan(1000);
  });

  it('omits the revokedCertificates list when nothing is revoked', async () => {
    const parsed = parseCrl(await crlFor([]));
    expect(parsed.entries).toEqual([]);
    expect(checkCrl(parsed, ca.cert, { now }).valid).toBe(true);
  });

  it('adds a sign byte to serials with the high bit set and strips leading zeros', () => {
    const tbs = encodeTbsCertList({
      issuer: ca.cert.subject,
      authorityKeyId: caKeyId(ca.cert),
      crlNumber: 1n,
      thisUpdate: now,
      nextUpdate: now,
      entries: [{ serial: '00FF01', revoked: '250501120000Z' }],
    });
    expect(tbs.includes(Buffer.from([0x02, 0x03, 0x00, 0xff, 0x01]))).toBe(true);
  });

  it('writes GeneralizedTime for dates from 2050 (RFC 5280)', async () => {
    const der = await buildCrl(
      {
        issuer: ca.cert.subject,
        authorityKeyId: caKeyId(ca.cert),
        crlNumber: 1n,
        thisUpdate: now,
        nextUpdate: new Date('2051-01-01T00:00:00Z'),
        entries: [{ serial: '01', revoked: '20500102030405Z' }],
      },
      ca.signer,
    );
    const parsed = parseCrl(der);
    expect(parsed.nextUpdate?.toISOString()).toBe('2051-01-01T00:00:00.000Z');
    expect(parsed.entries[0]?.revoked?.toISOString()).toBe('2050-01-02T03:04:05.000Z');
  });

  it('produces PEM with the X509 CRL header', async () => {
    expect(toPem('X509 CRL', await crlFor([]))).toMatch(/^-----BEGIN X509 CRL-----\n/);
  });
});

describe('CRL verifier', () => {
  it('rejects an expired CRL', async () => {
    const report = checkCrl(parseCrl(await crlFor(entries(2), ca, 1)), ca.cert, {
      now: new Date(now.getTime() + 2 * 86_400_000),
    });
    expect(report.valid).toBe(false);
    expect(report.problems.join()).toMatch(/expired/);
  });

  it('rejects a CRL signed by another CA with the same name', async () => {
    const report = checkCrl(parseCrl(await crlFor(entries(2), otherCa)), ca.cert, { now });
    expect(report.valid).toBe(false);
    expect(report.problems.join()).toMatch(/signature/);
  });

  it('rejects a CRL whose issuer is not the CA', async () => {
    const der = await buildCrl(
      {
        issuer: otherCa.cert.subject.subarray(0),
        authorityKeyId: caKeyId(otherCa.cert),
        crlNumber: 1n,
        thisUpdate: now,
        nextUpdate: new Date(now.getTime() + 86_400_000),
        entries: [],
      },
      otherCa.signer,
    );
    const named = await createTestCa('Another CA');
    expect(checkCrl(parseCrl(der), named.cert, { now }).problems.join()).toMatch(/issuer/);
  });

  it('rejects a tampered CRL', async () => {
    const der = Buffer.from(await crlFor(entries(3)));
    der[60] = (der[60] as number) ^ 0x01;
    let problems: string[];
    try {
      problems = checkCrl(parseCrl(der), ca.cert, { now }).problems;
    } catch {
      problems = ['unparseable'];
    }
    expect(problems.length).toBeGreaterThan(0);
  });

  it('rejects more than the configured entry limit, a CRL number that did not grow, and a missing serial', async () => {
    const report = checkCrl(parseCrl(await crlFor(entries(5))), ca.cert, {
      now,
      maxEntries: 4,
      previousCrlNumber: 42n,
      requiredSerials: ['ABCDEF'],
    });
    expect(report.problems).toHaveLength(3);
  });

  it('rejects a nextUpdate inside the required margin', async () => {
    const report = checkCrl(parseCrl(await crlFor([], ca, 3)), ca.cert, {
      now,
      minRemainingMs: 7 * 86_400_000,
    });
    expect(report.problems.join()).toMatch(/margin/);
  });

  it('rejects a CRL signed by the CA key whose authority key identifier names another key', async () => {
    const der = await buildCrl(
      {
        issuer: ca.cert.subject,
        authorityKeyId: caKeyId(otherCa.cert),
        crlNumber: 1n,
        thisUpdate: now,
        nextUpdate: new Date(now.getTime() + 86_400_000),
        entries: [],
      },
      ca.signer,
    );
    expect(checkCrl(parseCrl(der), ca.cert, { now }).problems).toEqual([
      'authority key identifier does not match the CA key',
    ]);
  });

  it('rejects a thisUpdate more than five minutes ahead of the clock, and allows that much skew', async () => {
    const issuedAt = async (thisUpdate: Date) =>
      parseCrl(
        await buildCrl(
          {
            issuer: ca.cert.subject,
            authorityKeyId: caKeyId(ca.cert),
            crlNumber: 1n,
            thisUpdate,
            nextUpdate: new Date(now.getTime() + 86_400_000),
            entries: [],
          },
          ca.signer,
        ),
      );
    const ahead = await issuedAt(new Date(now.getTime() + 6 * 60_000));
    expect(checkCrl(ahead, ca.cert, { now }).problems).toEqual(['thisUpdate is in the future']);
    const skewed = await issuedAt(new Date(now.getTime() + 4 * 60_000));
    expect(checkCrl(skewed, ca.cert, { now }).problems).toEqual([]);
  });

  it('rejects garbage with a clear error', () => {
    expect(() => parseCrl(Buffer.from('not a crl'))).toThrow(/CRL: not a valid X.509 CRL/);
  });

  it('issues CA certificates node:crypto accepts as self-signed CAs', () => {
    const x509 = new X509Certificate(ca.cert.der);
    expect(x509.ca).toBe(true);
    expect(x509.verify(x509.publicKey)).toBe(true);
    expect(x509.subject).toBe('CN=Test CA');
  });
});

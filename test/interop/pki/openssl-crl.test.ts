import { beforeAll, describe, expect, it } from '@jest/globals';
import { createPrivateKey } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildCrl } from '../../../functions/core/pki/crl-encode.js';
import { fromPem, toPem } from '../../../functions/core/pki/pem.js';
import { keySigner } from '../../../functions/core/pki/signer.js';
import { caKeyId, parseCertificate } from '../../../functions/core/pki/x509.js';
import { requireBinary } from '../require-binary.js';
import { cachegate, run, tempDir } from './tools.js';

const describeIf = requireBinary('openssl') ? describe : describe.skip;

describeIf('cachegate CRLs against openssl', () => {
  let dir: string;
  let store: string;
  const ok = (args: string[]): string => {
    const r = cachegate(args);
    expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' });
    return r.stdout;
  };

  beforeAll(() => {
    dir = tempDir('openssl');
    store = join(dir, 'pki');
    ok(['pki', 'init', '--store', store, '--cn', 'Interop CA']);
    ok(['cert', 'issue', '--store', store, '--cn', 'alice']);
    ok(['cert', 'issue', '--store', store, '--cn', 'bob']);
    ok(['cert', 'revoke', '--store', store, '--cn', 'alice', '--reason', 'keyCompromise']);
    ok(['crl', 'build', '--store', store, '--out', join(dir, 'crl.pem'), '--days', '30']);
  });

  it('passes openssl crl -verify against the CA', () => {
    const r = run('openssl', [
      'crl',
      '-in',
      join(dir, 'crl.pem'),
      '-CAfile',
      join(store, 'ca.crt'),
      '-noout',
      '-text',
    ]);
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/verify OK/);
    expect(r.stdout).toMatch(/Key Compromise/);
    expect(r.stdout).toMatch(/X509v3 CRL Number: \n\s+1\n/);
  });

  it('makes openssl verify -crl_check reject the revoked certificate and accept the valid one', () => {
    const check = (cn: string) =>
      run('openssl', [
        'verify',
        '-crl_check',
        '-CAfile',
        join(store, 'ca.crt'),
        '-CRLfile',
        join(dir, 'crl.pem'),
        join(store, 'issued', `${cn}.crt`),
      ]);
    expect(check('bob').status).toBe(0);
    // alice's cert moved to revoked/ (easy-rsa layout); verify the copy kept by serial.
    const serial = JSON.parse(cachegate(['cert', 'list', '--store', store, '--json']).stdout).find(
      (e: { cn: string }) => e.cn === 'alice',
    ).serial as string;
    const revoked = run('openssl', [
      'verify',
      '-crl_check',
      '-CAfile',
      join(store, 'ca.crt'),
      '-CRLfile',
      join(dir, 'crl.pem'),
      join(store, 'revoked', 'certs_by_serial', `${serial}.crt`),
    ]);
    expect(revoked.status).not.toBe(0);
    expect(revoked.stdout + revoked.stderr).toMatch(/certificate revoked/);
  });

  it('crl verify reports the CRL it built as valid', () => {
    const r = cachegate([
      'crl',
      'verify',
      '--ca',
      join(store, 'ca.crt'),
      '--crl',
      join(dir, 'crl.pem'),
      '--json',
    ]);
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ valid: true, entries: 1, crlNumber: '1' });
  });

  it('refuses an expired CRL', async () => {
    const ca = parseCertificate(fromPem(readFileSync(join(store, 'ca.crt'), 'utf8'), 'CERTIFICATE'));
    const key = createPrivateKey(readFileSync(join(store, 'private', 'ca.key')));
    const der = await buildCrl(
      {
        issuer: ca.subject,
        authorityKeyId: caKeyId(ca),
        crlNumber: 99n,
        thisUpdate: new Date(Date.now() - 10 * 86_400_000),
        nextUpdate: new Date(Date.now() - 86_400_000),
        entries: [],
      },
      keySigner(key),
    );
    writeFileSync(join(dir, 'expired.pem'), toPem('X509 CRL', der));
    const r = cachegate(['crl', 'verify', '--ca', join(store, 'ca.crt'), '--crl', join(dir, 'expired.pem')]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^cachegate: CRL rejected: CRL expired at/);
  });

  it('refuses a CRL from another CA', () => {
    const other = join(dir, 'other');
    ok(['pki', 'init', '--store', other, '--cn', 'Interop CA']);
    ok(['crl', 'build', '--store', other, '--out', join(dir, 'other.pem')]);
    const r = cachegate([
      'crl',
      'verify',
      '--ca',
      join(store, 'ca.crt'),
      '--crl',
      join(dir, 'other.pem'),
      '--json',
    ]);
    expect(r.status).toBe(1);
    expect(JSON.parse(r.stdout).problems.join()).toMatch(/signature does not verify/);
  });

  it('signs certificates openssl accepts for the right purpose', () => {
    const r = run('openssl', [
      'verify',
      '-purpose',
      'sslclient',
      '-CAfile',
      join(store, 'ca.crt'),
      join(store, 'issued', 'bob.crt'),
    ]);
    expect(r.status).toBe(0);
  });
});

import { beforeAll, describe, expect, it } from '@jest/globals';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { requireBinary } from '../require-binary.js';
import { cachegate, run, snapshot, tempDir } from './tools.js';

/**
 * `cachegate cert renew` on a real CA store, checked with openssl: the successor verifies at
 * once, the predecessor keeps working through the grace period (absent from every CRL built
 * before its end) and is in the first CRL built after it. A child process's clock cannot be moved,
 * so the grace period is ended by moving its recorded end (renewed/pending-revocations.json) into
 * the past, which is what the passing of time does to it.
 */
const haveOpenssl = requireBinary('openssl');
const d = haveOpenssl ? describe : describe.skip;

interface ListedCert {
  status: string;
  serial: string;
  cn: string;
  reason: string | null;
}

d('cert renew --cn (real store, openssl)', () => {
  let dir: string;
  let store: string;
  const list = () =>
    JSON.parse(cachegate(['cert', 'list', '--store', store, '--json']).stdout) as ListedCert[];
  const serialOf = (file: string) =>
    run('openssl', ['x509', '-in', file, '-noout', '-serial']).stdout.trim().replace('serial=', '');
  /** `openssl verify` of a certificate against the CA, with the store's CRL when `crl` is given. */
  const verify = (cert: string, crl?: string) =>
    run('openssl', [
      'verify',
      '-CAfile',
      join(store, 'ca.crt'),
      ...(crl ? ['-crl_check', '-CRLfile', crl] : []),
      cert,
    ]);
  const crlText = (file: string) => run('openssl', ['crl', '-in', file, '-noout', '-text']).stdout;
  const buildCrl = (name: string) => {
    const out = join(dir, name);
    const r = cachegate(['crl', 'build', '--store', store, '--out', out]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    return { out, stdout: r.stdout };
  };
  const endGracePeriod = () => {
    const file = join(store, 'renewed', 'pending-revocations.json');
    const pending = JSON.parse(readFileSync(file, 'utf8')) as { revokeAfter: string }[];
    for (const p of pending) p.revokeAfter = new Date(Date.now() - 60_000).toISOString();
    writeFileSync(file, JSON.stringify(pending));
  };

  beforeAll(() => {
    dir = tempDir('renew');
    store = join(dir, 'pki');
    expect(cachegate(['pki', 'init', '--store', store, '--cn', 'Renew CA']).status).toBe(0);
    for (const cn of ['alice', 'bob', 'carol']) {
      expect(cachegate(['cert', 'issue', '--store', store, '--cn', cn]).status).toBe(0);
    }
  });

  it('issues the successor at once and revokes the predecessor after the grace period, not before', () => {
    const old = serialOf(join(store, 'issued', 'alice.crt'));
    const renewed = cachegate(['cert', 'renew', '--store', store, '--cn', 'alice', '--grace-days', '7']);
    expect(renewed.stderr).toBe('');
    expect(renewed.status).toBe(0);
    expect(renewed.stdout).not.toMatch(/PRIVATE KEY/);

    // The successor: same CN, new serial, signed by the CA, its new key beside it.
    const successor = join(store, 'issued', 'alice.crt');
    const fresh = serialOf(successor);
    expect(fresh).not.toBe(old);
    expect(run('openssl', ['x509', '-in', successor, '-noout', '-subject']).stdout).toMatch(/CN ?= ?alice/);
    expect(verify(successor).stdout).toMatch(/: OK/);
    const publicKey = (args: string[]) => run('openssl', args).stdout;
    expect(publicKey(['pkey', '-in', join(store, 'private', 'alice.key'), '-pubout'])).toBe(
      publicKey(['x509', '-in', successor, '-noout', '-pubkey']),
    );
    // The predecessor: moved to renewed/ (easy-rsa's renew layout), still valid in the index.
    const predecessor = join(store, 'renewed', 'issued', 'alice.crt');
    expect(serialOf(predecessor)).toBe(old);
    expect(
      list()
        .filter((c) => c.cn === 'alice')
        .map((c) => [c.serial, c.status]),
    ).toEqual([
      [old, 'V'],
      [fresh, 'V'],
    ]);

    // Inside the grace period: a CRL built now does not list it, both certificates verify.
    const during = buildCrl('during.pem');
    expect(crlText(during.out)).not.toContain(old);
    expect(verify(predecessor, during.out).stdout).toMatch(/: OK/);
    expect(verify(successor, during.out).stdout).toMatch(/: OK/);

    // After it: the next CRL build revokes it first (superseded), and that CRL lists it.
    endGracePeriod();
    const after = buildCrl('after.pem');
    expect(after.stdout).toMatch(new RegExp(`revoked CN=alice serial ${old} \\(superseded`));
    const text = crlText(after.out);
    expect(text).toContain(`Serial Number: ${old}`);
    expect(text).toMatch(/Superseded/);
    expect(text).not.toContain(fresh);
    const revokedFile = join(store, 'revoked', 'certs_by_serial', `${old}.crt`);
    const rejected = verify(revokedFile, after.out);
    expect(rejected.status).not.toBe(0);
    expect(rejected.stdout + rejected.stderr).toMatch(/certificate revoked/);
    expect(verify(successor, after.out).stdout).toMatch(/: OK/);
    expect(list().find((c) => c.serial === old)).toMatchObject({ status: 'R', reason: 'superseded' });
    expect(existsSync(predecessor)).toBe(false);
    expect(existsSync(join(store, 'renewed', 'pending-revocations.json'))).toBe(false);

    // Done once: a later build changes nothing about it.
    expect(buildCrl('later.pem').stdout).not.toMatch(/revoked CN=/);
  });

  it('refuses a second renewal while the first is in its grace period, and bad input, leaving the store unchanged', () => {
    expect(cachegate(['cert', 'renew', '--store', store, '--cn', 'bob']).status).toBe(0);
    const before = snapshot(store);
    for (const [args, message] of [
      [['--cn', 'bob'], /CN "bob" was renewed already: certificate [0-9A-F]+ is revoked after/],
      [['--cn', 'nobody'], /no valid certificate for CN "nobody" to renew/],
      [['--cn', 'carol', '--grace-days', '91'], /grace-days: must be a whole number of days, 0-90/],
      [['--cn', '../x'], /cn: must be/],
    ] as const) {
      const r = cachegate(['cert', 'renew', '--store', store, ...args]);
      expect(r.stderr).toMatch(message);
      expect(r.status).toBe(2);
    }
    expect(snapshot(store)).toEqual(before);
  });

  it('a local crl refresh run applies a renewal whose grace period is over before it builds its CRL', () => {
    const old = serialOf(join(store, 'issued', 'carol.crt'));
    expect(cachegate(['cert', 'renew', '--store', store, '--cn', 'carol', '--grace-days', '0']).status).toBe(
      0,
    );
    const refresh = cachegate(['crl', 'refresh', '--store', store, '--requested-by', 'renew-test']);
    expect(refresh.stdout).toMatch(new RegExp(`revoked CN=carol serial ${old} \\(superseded`));
    expect(refresh.status).toBe(0);
    expect(list().find((c) => c.serial === old)).toMatchObject({ status: 'R', reason: 'superseded' });
    // Revoked in the index before the workflow built and imported its CRL from that index.
    expect(refresh.stdout.indexOf('revoked CN=carol')).toBeLessThan(refresh.stdout.indexOf('SUCCEEDED'));
  });
});

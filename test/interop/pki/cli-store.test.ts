import { beforeAll, describe, expect, it } from '@jest/globals';
import { appendFileSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cachegate, snapshot, tempDir } from './tools.js';

describe('pki/cert/crl CLI on a store', () => {
  let dir: string;
  let store: string;

  beforeAll(() => {
    dir = tempDir('cli');
    store = join(dir, 'pki');
    expect(cachegate(['pki', 'init', '--store', store, '--cn', 'CLI CA']).status).toBe(0);
    expect(
      cachegate([
        'cert',
        'issue',
        '--store',
        store,
        '--cn',
        'alice',
        '--out',
        join(dir, 'out'),
        '--remote',
        'cvpn-endpoint-0abc.prod.clientvpn.eu-west-1.amazonaws.com',
      ]).status,
    ).toBe(0);
    expect(cachegate(['cert', 'issue', '--store', store, '--cn', 'bob']).status).toBe(0);
    expect(cachegate(['cert', 'revoke', '--store', store, '--cn', 'bob']).status).toBe(0);
  });

  it('writes private keys with mode 0600 and never prints them', () => {
    const r = cachegate(['cert', 'issue', '--store', store, '--cn', 'carol', '--out', join(dir, 'out')]);
    expect(r.stdout).not.toMatch(/PRIVATE KEY/);
    for (const path of [
      join(store, 'private', 'ca.key'),
      join(store, 'private', 'carol.key'),
      join(dir, 'out', 'carol.key'),
    ]) {
      expect(statSync(path).mode & 0o777).toBe(0o600);
    }
  });

  it('writes a .ovpn profile with the endpoint, CA, certificate and key', () => {
    const profile = readFileSync(join(dir, 'out', 'alice.ovpn'), 'utf8');
    expect(profile).toContain('remote cvpn-endpoint-0abc.prod.clientvpn.eu-west-1.amazonaws.com 443');
    expect(profile).toContain(readFileSync(join(store, 'ca.crt'), 'utf8').trim());
    expect(profile).toMatch(/<key>\n-----BEGIN PRIVATE KEY-----/);
    expect(statSync(join(dir, 'out', 'alice.ovpn')).mode & 0o777).toBe(0o600);
  });

  it('refuses to init over an existing store', () => {
    const r = cachegate(['pki', 'init', '--store', store, '--cn', 'again']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/already exists and is not empty/);
  });

  it.each([
    [['cert', 'revoke', '--cn', 'nobody'], /no certificate with CN "nobody"/],
    [['cert', 'revoke', '--cn', 'bob'], /already revoked/],
    [['cert', 'revoke', '--serial', 'xyz'], /serial: must be a hexadecimal/],
    [['cert', 'revoke', '--cn', 'alice', '--reason', 'bored'], /reason: unknown reason "bored"/],
    [['cert', 'revoke', '--cn', 'alice', '--serial', '01'], /cannot be used with/],
    [
      ['cert', 'issue', '--cn', 'alice'],
      /valid certificate for CN "alice" already exists|issued\/alice.crt already exists/,
    ],
    [['cert', 'issue', '--cn', '../x'], /cn: must be/],
    [['cert', 'issue', '--cn', 'dave', '--csr', '/nonexistent.req'], /CSR not readable/],
    [['crl', 'build', '--out', '/tmp/x.pem', '--days', 'soon'], /days: must be a whole number/],
    [
      ['crl', 'build', '--out', '/tmp/x.pem', '--days', '0'],
      /days: must be a whole number of days between 1 and 3650/,
    ],
    [
      ['crl', 'build', '--out', '/nonexistent-dir/crl.pem'],
      /--out: directory \/nonexistent-dir does not exist/,
    ],
    [['crl', 'build', '--out', '/tmp'], /--out: \/tmp is a directory; name the CRL file/],
  ])('rejects bad input %p with exit 2 and leaves the store unchanged', (args, message) => {
    const before = snapshot(store);
    const r = cachegate([...args.slice(0, 2), '--store', store, ...args.slice(2)]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(snapshot(store)).toEqual(before);
  });

  it('rejects a malformed CSR', () => {
    const csr = join(dir, 'bad.req');
    writeFileSync(
      csr,
      '-----BEGIN CERTIFICATE REQUEST-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA\n-----END CERTIFICATE REQUEST-----\n',
    );
    const before = snapshot(store);
    const r = cachegate(['cert', 'issue', '--store', store, '--cn', 'dave', '--csr', csr]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/bad.req: not a valid PKCS#10 certificate request/);
    expect(snapshot(store)).toEqual(before);
  });

  it('rejects a corrupt index line with its line number and changes nothing', () => {
    const copy = join(dir, 'corrupt');
    expect(cachegate(['pki', 'import-easyrsa', '--from', store, '--store', copy]).status).toBe(0);
    appendFileSync(join(copy, 'index.txt'), 'V\tnot-a-date\t\t0A\tunknown\t/CN=x\n');
    const before = snapshot(copy);
    for (const args of [
      ['cert', 'issue', '--store', copy, '--cn', 'dave'],
      ['cert', 'revoke', '--store', copy, '--cn', 'alice'],
      ['crl', 'build', '--store', copy, '--out', join(copy, 'crl.pem')],
    ]) {
      const r = cachegate(args);
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(/index.txt line 4: invalid expiry "not-a-date"/);
    }
    expect(snapshot(copy)).toEqual(before);
  });

  it.each([
    [
      'month 13',
      'R\t300101000000Z\t251301000000Z\t7A\tunknown\t/CN=x\n',
      /line 4: impossible revocation date "251301000000Z"/,
    ],
    [
      '30 February',
      'V\t20300230000000Z\t\t7A\tunknown\t/CN=x\n',
      /line 4: impossible expiry date "20300230000000Z"/,
    ],
    ['hour 25', 'V\t300101250000Z\t\t7A\tunknown\t/CN=x\n', /line 4: impossible expiry date "300101250000Z"/],
  ])(
    'refuses an impossible date (%s) with exit 2 naming the line, before anything is written',
    (_, line, message) => {
      const copy = join(dir, `impossible-${line.length}-${line.charCodeAt(3)}`);
      expect(cachegate(['pki', 'import-easyrsa', '--from', store, '--store', copy]).status).toBe(0);
      appendFileSync(join(copy, 'index.txt'), line);
      const before = snapshot(copy);
      for (const args of [
        ['cert', 'issue', '--store', copy, '--cn', 'dave'],
        ['crl', 'build', '--store', copy, '--out', join(copy, 'crl.pem')],
      ]) {
        const r = cachegate(args);
        expect(r.status).toBe(2);
        expect(r.stderr).toMatch(message);
      }
      expect(snapshot(copy)).toEqual(before);
    },
  );

  it('refuses a serial written with leading zeros beside the same serial (one CRL entry each)', () => {
    const copy = join(dir, 'zeros');
    expect(cachegate(['pki', 'import-easyrsa', '--from', store, '--store', copy]).status).toBe(0);
    const index = readFileSync(join(copy, 'index.txt'), 'utf8');
    const serial = index.split('\n')[0]?.split('\t')[3] ?? '';
    appendFileSync(
      join(copy, 'index.txt'),
      `R\t300101000000Z\t250101000000Z\t00${serial}\tunknown\t/CN=twin\n`,
    );
    const before = snapshot(copy);
    const r = cachegate(['crl', 'build', '--store', copy, '--out', join(copy, 'crl.pem')]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(
      new RegExp(`line 4: duplicate serial 00${serial} \\(the same number as line 1\\)`),
    );
    expect(snapshot(copy)).toEqual(before);
  });

  it('names a directory that is not a store', () => {
    const r = cachegate(['cert', 'list', '--store', dir]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/is not a CA store/);
  });

  it('lists certificates as JSON', () => {
    const rows = JSON.parse(cachegate(['cert', 'list', '--store', store, '--json']).stdout) as {
      cn: string;
      status: string;
    }[];
    expect(rows.map((r) => [r.cn, r.status])).toEqual([
      ['alice', 'V'],
      ['bob', 'R'],
      ['carol', 'V'],
    ]);
  });

  it('increments the CRL number on every build and records it in crlnumber', () => {
    const out = join(dir, 'crl.pem');
    expect(cachegate(['crl', 'build', '--store', store, '--out', out]).stdout).toMatch(/^CRL #1: 1 revoked/);
    expect(cachegate(['crl', 'build', '--store', store, '--out', out]).stdout).toMatch(/^CRL #2: 1 revoked/);
    expect(readFileSync(join(store, 'crlnumber'), 'utf8')).toBe('03\n');
    expect(readFileSync(join(store, 'crl.pem'), 'utf8')).toBe(readFileSync(out, 'utf8'));
  });

  it('hands crl build arguments it does not take as-is to the full CLI', () => {
    const missing = cachegate(['crl', 'build', '--store', store]);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/required option '--out <file>'/);
    const unknown = cachegate(['crl', 'build', '--store', store, '--out', join(dir, 'x.pem'), '--bogus']);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toMatch(/unknown option '--bogus'/);
    const help = cachegate(['crl', 'build', '--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/--days <n>/);
    const badDays = cachegate(['crl', 'build', '--store', store, '--out', join(dir, 'x.pem'), '--days=abc']);
    expect(badDays.status).toBe(2);
    expect(badDays.stderr).toBe('cachegate: days: must be a whole number of days\n');
  });

  it('records each build next to crl.pem and rebuilds the entries when the index changes', () => {
    const out = join(dir, 'crl.pem');
    const entries = (): number =>
      (
        JSON.parse(
          cachegate(['crl', 'verify', '--ca', join(store, 'ca.crt'), '--crl', out, '--json']).stdout,
        ) as { entries: number }
      ).entries;
    const first = cachegate(['crl', 'build', '--store', store, '--out', out]).stdout;
    const record = JSON.parse(readFileSync(join(store, '.cachegate-crl.json'), 'utf8')) as {
      crlNumber: string;
    };
    expect(first).toMatch(new RegExp(`^CRL #${record.crlNumber}: 1 revoked`));
    expect(cachegate(['crl', 'build', '--store', store, '--out', out]).stdout).toMatch(/: 1 revoked/);
    expect(entries()).toBe(1);
    expect(cachegate(['cert', 'revoke', '--store', store, '--cn', 'carol']).status).toBe(0);
    expect(cachegate(['crl', 'build', '--store', store, '--out', out]).stdout).toMatch(/: 2 revoked/);
    expect(entries()).toBe(2);
  });
});

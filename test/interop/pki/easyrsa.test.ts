import { beforeAll, describe, expect, it } from '@jest/globals';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { requireBinary } from '../require-binary.js';
import { cachegate, findEasyRsa, run, snapshot, tempDir } from './tools.js';

const easyrsa = requireBinary('openssl') ? findEasyRsa() : undefined;
const describeIf = easyrsa ? describe : describe.skip;

describeIf('easy-rsa interop', () => {
  let dir: string;
  let source: string;
  const easy = (pki: string, ...args: string[]) => {
    const r = run(easyrsa as string, ['--batch', ...args], {
      cwd: dir,
      env: {
        EASYRSA_PKI: pki,
        EASYRSA_BATCH: '1',
        ...(args[0] === 'build-ca' ? { EASYRSA_REQ_CN: 'Seed CA' } : {}),
      },
    });
    if (r.status !== 0) throw new Error(`easyrsa ${args.join(' ')} failed: ${r.stderr}`);
    return r;
  };
  const ok = (args: string[]): string => {
    const r = cachegate(args);
    expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' });
    return r.stdout;
  };
  const list = (store: string): { cn: string; status: string; serial: string }[] =>
    JSON.parse(ok(['cert', 'list', '--store', store, '--json']));
  const crlSerials = (crl: string, ca: string): string[] => {
    const r = run('openssl', ['crl', '-in', crl, '-CAfile', ca, '-noout', '-text']);
    expect(r.stderr).toMatch(/verify OK/);
    return [...r.stdout.matchAll(/Serial Number: ([0-9A-F]+)/g)].map((m) => m[1] as string);
  };

  beforeAll(() => {
    // The seed procedure from the AWS Client VPN docs.
    dir = tempDir('easyrsa');
    source = join(dir, 'pki');
    easy(source, 'init-pki');
    easy(source, 'build-ca', 'nopass');
    easy(source, 'build-server-full', 'server', 'nopass');
    easy(source, 'build-client-full', 'client1.domain.tld', 'nopass');
    easy(source, 'build-client-full', 'client2', 'nopass');
    easy(source, 'revoke', 'client2');
    easy(source, 'gen-crl');
  }, 120_000);

  it('imports an easy-rsa pki/ and keeps its certificates and revocations', () => {
    const store = join(dir, 'imported');
    expect(ok(['pki', 'import-easyrsa', '--from', source, '--store', store])).toMatch(
      /3 certificate\(s\): 2 valid, 1 revoked/,
    );
    expect(list(store).map((e) => [e.cn, e.status])).toEqual([
      ['server', 'V'],
      ['client1.domain.tld', 'V'],
      ['client2', 'R'],
    ]);
    ok(['cert', 'revoke', '--store', store, '--cn', 'client1.domain.tld']);
    ok(['crl', 'build', '--store', store, '--out', join(store, 'crl.pem')]);
    expect(crlSerials(join(store, 'crl.pem'), join(store, 'ca.crt'))).toHaveLength(2);
  });

  it('leaves a store where easyrsa revoke, gen-crl and build-client-full keep working', () => {
    const store = join(dir, 'shared');
    ok(['pki', 'import-easyrsa', '--from', source, '--store', store]);
    ok(['cert', 'issue', '--store', store, '--cn', 'carol']);
    ok(['crl', 'build', '--store', store, '--out', join(dir, 'shared-crl.pem')]);
    easy(store, 'revoke', 'carol');
    easy(store, 'gen-crl');
    easy(store, 'build-client-full', 'dave', 'nopass');
    const entries = list(store);
    expect(entries.find((e) => e.cn === 'carol')?.status).toBe('R');
    ok(['cert', 'revoke', '--store', store, '--cn', 'dave', '--reason', 'superseded']);
    easy(store, 'gen-crl');
    const serials = crlSerials(join(store, 'crl.pem'), join(store, 'ca.crt'));
    expect(serials).toHaveLength(3);
    // The CRL number keeps growing across easy-rsa's (unnumbered) CRLs.
    ok(['crl', 'build', '--store', store, '--out', join(dir, 'shared-crl2.pem')]);
    const text = run('openssl', ['crl', '-in', join(dir, 'shared-crl2.pem'), '-noout', '-text']).stdout;
    expect(text).toMatch(/X509v3 CRL Number: \n\s+2\n/);
    // The same name can be issued again after revocation, by either tool.
    ok(['cert', 'issue', '--store', store, '--cn', 'carol']);
    expect(existsSync(join(store, 'issued', 'carol.crt'))).toBe(true);
  });

  it('works directly on an easy-rsa pki/ and adopts it in place', () => {
    const inPlace = join(dir, 'inplace');
    easy(inPlace, 'init-pki');
    easy(inPlace, 'build-ca', 'nopass');
    easy(inPlace, 'build-client-full', 'eve', 'nopass');
    expect(ok(['pki', 'import-easyrsa', '--from', inPlace, '--store', inPlace])).toMatch(/adopted/);
    ok(['cert', 'revoke', '--store', inPlace, '--cn', 'eve']);
    ok(['crl', 'build', '--store', inPlace, '--out', join(inPlace, 'crl.pem')]);
    expect(crlSerials(join(inPlace, 'crl.pem'), join(inPlace, 'ca.crt'))).toHaveLength(1);
    easy(inPlace, 'gen-crl');
  });

  it('issues from an easy-rsa CSR without ever seeing the private key', () => {
    const store = join(dir, 'csr-store');
    ok(['pki', 'import-easyrsa', '--from', source, '--store', store]);
    const reqs = join(dir, 'requester');
    easy(reqs, 'init-pki');
    easy(reqs, 'gen-req', 'frank', 'nopass');
    const out = join(dir, 'frank-out');
    ok([
      'cert',
      'issue',
      '--store',
      store,
      '--cn',
      'frank',
      '--csr',
      join(reqs, 'reqs', 'frank.req'),
      '--out',
      out,
    ]);
    expect(existsSync(join(out, 'frank.key'))).toBe(false);
    expect(existsSync(join(store, 'private', 'frank.key'))).toBe(false);
    const verify = run('openssl', ['verify', '-CAfile', join(store, 'ca.crt'), join(out, 'frank.crt')]);
    expect(verify.status).toBe(0);
    const certKey = run('openssl', ['x509', '-in', join(out, 'frank.crt'), '-noout', '-pubkey']).stdout;
    const reqKey = run('openssl', ['pkey', '-in', join(reqs, 'private', 'frank.key'), '-pubout']).stdout;
    expect(certKey).toBe(reqKey);
  });

  it('refuses to import a pki/ whose CA key does not match, leaving nothing behind', () => {
    const broken = join(dir, 'broken');
    ok(['pki', 'import-easyrsa', '--from', source, '--store', broken]);
    const other = join(dir, 'other');
    ok(['pki', 'init', '--store', other, '--cn', 'Other']);
    const before = snapshot(broken);
    const keyPath = join(broken, 'private', 'ca.key');
    const original = readFileSync(keyPath);
    run('cp', [join(other, 'private', 'ca.key'), keyPath]);
    const r = cachegate(['pki', 'import-easyrsa', '--from', broken, '--store', join(dir, 'never')]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/does not match ca.crt/);
    expect(existsSync(join(dir, 'never'))).toBe(false);
    run('cp', [join(dir, 'pki', 'private', 'ca.key'), keyPath]);
    expect(readFileSync(keyPath)).toEqual(original);
    expect(snapshot(broken)).toEqual(before);
  });
});

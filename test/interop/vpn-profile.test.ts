import { afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  SERVER_BOUND,
  startLoopbackServer,
  forLoopback,
  startOpenVpn,
  stopOpenVpnProcesses,
  type OpenVpnProcess,
} from './openvpn-harness.js';
import { requireBinary } from './require-binary.js';
import { cachegate, findEasyRsa, run, tempDir } from './pki/tools.js';

/**
 * A `.ovpn` written by `cachegate vpn profile` against a real OpenVPN 2.6 server on loopback whose
 * certificate and key are the files `cachegate vpn bootstrap` staged for ACM. The profile is used
 * as written except for three lines a loopback test must change (see `forLoopback`).
 */
const describeIf = requireBinary('openvpn') ? describe : describe.skip;

const ENDPOINT = 'cvpn-endpoint-0123456789abcdef0';
const DNS_NAME = `*.${ENDPOINT}.prod.clientvpn.eu-west-1.amazonaws.com`;

afterEach(stopOpenVpnProcesses);

function ok(args: string[]): string {
  const r = cachegate(args);
  if (r.status !== 0) throw new Error(`cachegate ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/**
 * The profile for a loopback test: `remote` points at the test server (the endpoint's DNS name
 * does not resolve here), `remote-random-hostname` goes (it would prefix the IP address), and
 * `dev tun` becomes `dev null` so no root and no network interface are needed. Everything else —
 * client mode, proto, remote-cert-tls, cipher, the inline <ca>, <cert> and <key> — is as written.
 */
/** Writes the `.ovpn` for `cn` with `cachegate vpn profile`, for the test endpoint. */
function writeProfile(store: string, cn: string, out: string): void {
  ok([
    'vpn',
    'profile',
    '--store',
    store,
    '--cn',
    cn,
    '--endpoint',
    ENDPOINT,
    '--dns-name',
    DNS_NAME,
    '--out',
    out,
  ]);
}

/** The CA chain, server certificate and key `cachegate vpn bootstrap` staged for ACM in `store`. */
function stagedForAcm(store: string): { ca: string; cert: string; key: string } {
  const acm = (file: string): string => join(store, 'acm', file);
  return { cert: acm('server.crt'), key: acm('server.key'), ca: acm('ca-chain.crt') };
}

/** An OpenVPN client on the profile as changed for loopback, its config written to `config`. */
function startProfileClient(profile: string, port: number, config: string): OpenVpnProcess {
  writeFileSync(config, forLoopback(profile, port), { mode: 0o600 });
  return startOpenVpn(['--config', config, '--hand-window', '20']);
}

describeIf('cachegate .ovpn profile against a real OpenVPN server', () => {
  let dir: string;
  let store: string;
  let profilePath: string;

  beforeAll(() => {
    dir = tempDir('vpn-profile');
    store = join(dir, 'pki');
    ok(['pki', 'init', '--store', store, '--cn', 'VPN CA']);
    ok(['vpn', 'bootstrap', '--store', store]);
    ok(['cert', 'issue', '--store', store, '--cn', 'alice']);
    profilePath = join(dir, 'alice.ovpn');
    writeProfile(store, 'alice', profilePath);
  });

  async function handshake(
    profile: string,
    server: { cert: string; key: string; ca: string },
  ): Promise<{ server: OpenVpnProcess; client: OpenVpnProcess }> {
    const { server: serverProcess, port } = await startLoopbackServer(server);
    if (!(await serverProcess.waitFor(SERVER_BOUND, 15_000))) {
      throw new Error(`openvpn server did not start:\n${serverProcess.output()}`);
    }
    const client = startProfileClient(profile, port, join(dir, `loopback-${port}.ovpn`));
    return { server: serverProcess, client };
  }

  it('writes the profile with mode 0600, the endpoint DNS name, and the inline CA, certificate and key', () => {
    expect(statSync(profilePath).mode & 0o777).toBe(0o600);
    const profile = readFileSync(profilePath, 'utf8');
    expect(profile).toContain(`remote ${ENDPOINT}.prod.clientvpn.eu-west-1.amazonaws.com 443`);
    expect(profile).toContain(readFileSync(join(store, 'ca.crt'), 'utf8').trim());
    expect(profile).toContain(readFileSync(join(store, 'issued', 'alice.crt'), 'utf8').trim());
    expect(profile).toContain(readFileSync(join(store, 'private', 'alice.key'), 'utf8').trim());
    expect(profile).not.toContain(readFileSync(join(store, 'private', 'ca.key'), 'utf8').trim());
  });

  it('completes the TLS handshake with a server using the certificate staged for ACM', async () => {
    const { server, client } = await handshake(readFileSync(profilePath, 'utf8'), stagedForAcm(store));
    const clientDone = await client.waitFor(/Initialization Sequence Completed/, 30_000);
    expect({ clientDone, log: clientDone ? '' : `${server.output()}\n---\n${client.output()}` }).toEqual({
      clientDone: true,
      log: '',
    });
    // Both sides verified each other: the client checked the server's serverAuth EKU
    // (remote-cert-tls server), the server accepted alice's certificate from the inline <cert>/<key>.
    expect(client.output()).toMatch(/VERIFY EKU OK/);
    expect(client.output()).toMatch(/\[server\] Peer Connection Initiated/);
    expect(await server.waitFor(/\[alice\] Peer Connection Initiated/, 15_000)).toBe(true);
  });

  it('is refused by a server whose CA did not issue the client certificate', async () => {
    const other = join(dir, 'other-pki');
    ok(['pki', 'init', '--store', other, '--cn', 'Other CA']);
    ok(['vpn', 'bootstrap', '--store', other]);
    const { server, client } = await handshake(readFileSync(profilePath, 'utf8'), stagedForAcm(other));
    // The client's inline <ca> rejects the other CA's server certificate (and vice versa).
    const refused = await client.waitFor(/VERIFY ERROR|TLS Error|TLS handshake failed/, 30_000);
    expect({ refused, log: refused ? '' : client.output() }).toEqual({ refused: true, log: '' });
    expect(client.output()).not.toMatch(/Initialization Sequence Completed/);
    expect(server.output()).not.toMatch(/Initialization Sequence Completed/);
  });
});

const easyrsa = requireBinary('openvpn') && requireBinary('openssl') ? findEasyRsa() : undefined;
const describeEasyRsa = easyrsa ? describe : describe.skip;

describeEasyRsa('vpn bootstrap and profile on an easy-rsa pki/ built by the AWS guide', () => {
  let dir: string;
  let pki: string;

  beforeAll(() => {
    dir = tempDir('vpn-easyrsa');
    pki = join(dir, 'pki');
    for (const args of [
      ['init-pki'],
      ['build-ca', 'nopass'],
      ['build-server-full', 'server', 'nopass'],
      ['build-client-full', 'client1.domain.tld', 'nopass'],
    ]) {
      const r = run(easyrsa as string, ['--batch', ...args], {
        cwd: dir,
        env: {
          EASYRSA_PKI: pki,
          EASYRSA_BATCH: '1',
          ...(args[0] === 'build-ca' ? { EASYRSA_REQ_CN: 'Seed CA' } : {}),
        },
      });
      if (r.status !== 0) throw new Error(`easyrsa ${args.join(' ')}: ${r.stderr}`);
    }
  }, 120_000);

  it("stages easy-rsa's own server certificate and connects with a profile for its client", async () => {
    expect(ok(['vpn', 'bootstrap', '--store', pki])).toMatch(
      /using the existing server certificate issued\/server\.crt/,
    );
    // easy-rsa writes a text dump before the PEM block; ACM gets the PEM block only.
    const pemBlock = /-----BEGIN CERTIFICATE-----[^]*?-----END CERTIFICATE-----\n/;
    expect(readFileSync(join(pki, 'issued', 'server.crt'), 'utf8')).toMatch(/^Certificate:/);
    expect(readFileSync(join(pki, 'acm', 'server.crt'), 'utf8')).toBe(
      readFileSync(join(pki, 'issued', 'server.crt'), 'utf8').match(pemBlock)![0],
    );
    const profilePath = join(dir, 'client1.ovpn');
    writeProfile(pki, 'client1.domain.tld', profilePath);
    const { server, port } = await startLoopbackServer(stagedForAcm(pki));
    expect(await server.waitFor(SERVER_BOUND, 15_000)).toBe(true);
    const client = startProfileClient(readFileSync(profilePath, 'utf8'), port, join(dir, 'loopback.ovpn'));
    const done = await client.waitFor(/Initialization Sequence Completed/, 30_000);
    expect({ done, log: done ? '' : `${server.output()}\n---\n${client.output()}` }).toEqual({
      done: true,
      log: '',
    });
    expect(await server.waitFor(/\[client1\.domain\.tld\] Peer Connection Initiated/, 15_000)).toBe(true);
  });
});

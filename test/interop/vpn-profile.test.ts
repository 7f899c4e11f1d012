import { afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
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

async function freeUdpPort(): Promise<number> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}

interface Running {
  output: () => string;
  waitFor: (pattern: RegExp, timeoutMs: number) => Promise<boolean>;
}

const running: ChildProcess[] = [];

function openvpn(args: string[]): Running {
  const child = spawn('openvpn', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  running.push(child);
  let log = '';
  const listeners = new Set<() => void>();
  const onData = (chunk: Buffer): void => {
    log += chunk.toString();
    for (const l of listeners) l();
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  child.on('exit', () => listeners.forEach((l) => l()));
  return {
    output: () => log,
    waitFor: (pattern, timeoutMs) =>
      new Promise((resolve) => {
        const check = (): void => {
          if (pattern.test(log)) finish(true);
          else if (child.exitCode !== null) finish(false);
        };
        const timer = setTimeout(() => finish(false), timeoutMs);
        function finish(value: boolean): void {
          clearTimeout(timer);
          listeners.delete(check);
          resolve(value);
        }
        listeners.add(check);
        check();
      }),
  };
}

afterEach(() => {
  for (const child of running.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
});

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
function forLoopback(profile: string, port: number): string {
  const lines = profile.split('\n');
  expect(lines.filter((l) => /^remote /.test(l))).toHaveLength(1);
  expect(lines).toContain('dev tun');
  return lines
    .filter((l) => l !== 'remote-random-hostname')
    .map((l) => (l.startsWith('remote ') ? `remote 127.0.0.1 ${port}` : l === 'dev tun' ? 'dev null' : l))
    .join('\n');
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
    ok([
      'vpn',
      'profile',
      '--store',
      store,
      '--cn',
      'alice',
      '--endpoint',
      ENDPOINT,
      '--dns-name',
      DNS_NAME,
      '--out',
      profilePath,
    ]);
  });

  async function handshake(
    profile: string,
    server: { cert: string; key: string; ca: string },
  ): Promise<{ server: Running; client: Running }> {
    const port = await freeUdpPort();
    const serverProcess = openvpn([
      '--mode',
      'p2p',
      '--tls-server',
      '--dev',
      'null',
      '--proto',
      'udp',
      '--local',
      '127.0.0.1',
      '--lport',
      String(port),
      '--dh',
      'none',
      '--data-ciphers',
      'AES-256-GCM',
      '--verb',
      '3',
      '--ca',
      server.ca,
      '--cert',
      server.cert,
      '--key',
      server.key,
    ]);
    if (!(await serverProcess.waitFor(/UDPv4 link local \(bound\)/, 15_000))) {
      throw new Error(`openvpn server did not start:\n${serverProcess.output()}`);
    }
    const config = join(dir, `loopback-${port}.ovpn`);
    writeFileSync(config, forLoopback(profile, port), { mode: 0o600 });
    const client = openvpn(['--config', config, '--hand-window', '20']);
    return { server: serverProcess, client };
  }

  const acm = (file: string): string => join(store, 'acm', file);
  const stagedServer = () => ({ cert: acm('server.crt'), key: acm('server.key'), ca: acm('ca-chain.crt') });

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
    const { server, client } = await handshake(readFileSync(profilePath, 'utf8'), stagedServer());
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
    const { server, client } = await handshake(readFileSync(profilePath, 'utf8'), {
      cert: join(other, 'acm', 'server.crt'),
      key: join(other, 'acm', 'server.key'),
      ca: join(other, 'acm', 'ca-chain.crt'),
    });
    // The client's inline <ca> rejects the other CA's server certificate (and vice versa).
    const refused = await client.waitFor(/VERIFY ERROR|TLS Error|TLS handshake failed/, 30_000);
    expect({ refused, log: refused ? '' : client.output() }).toEqual({ refused: true, log: '' });
    expect(client.output()).not.toMatch(/Initialization Sequence Completed/);
    expect(server.output()).not.toMatch(/Initialization Sequence Completed/);
  });
});

const easyrsa = requireBinary('openvpn') && requireBinary('openssl') ? findEasyRsa() : undefined;
if (easyrsa === undefined && process.env.CI === 'true') {
  throw new Error('easy-rsa not found: interop suites are mandatory in CI');
}
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
    ok([
      'vpn',
      'profile',
      '--store',
      pki,
      '--cn',
      'client1.domain.tld',
      '--endpoint',
      ENDPOINT,
      '--dns-name',
      DNS_NAME,
      '--out',
      profilePath,
    ]);
    const port = await freeUdpPort();
    const server = openvpn([
      '--mode',
      'p2p',
      '--tls-server',
      '--dev',
      'null',
      '--proto',
      'udp',
      '--local',
      '127.0.0.1',
      '--lport',
      String(port),
      '--dh',
      'none',
      '--data-ciphers',
      'AES-256-GCM',
      '--verb',
      '3',
      '--ca',
      join(pki, 'acm', 'ca-chain.crt'),
      '--cert',
      join(pki, 'acm', 'server.crt'),
      '--key',
      join(pki, 'acm', 'server.key'),
    ]);
    expect(await server.waitFor(/UDPv4 link local \(bound\)/, 15_000)).toBe(true);
    const config = join(dir, 'loopback.ovpn');
    writeFileSync(config, forLoopback(readFileSync(profilePath, 'utf8'), port), { mode: 0o600 });
    const client = openvpn(['--config', config, '--hand-window', '20']);
    const done = await client.waitFor(/Initialization Sequence Completed/, 30_000);
    expect({ done, log: done ? '' : `${server.output()}\n---\n${client.output()}` }).toEqual({
      done: true,
      log: '',
    });
    expect(await server.waitFor(/\[client1\.domain\.tld\] Peer Connection Initiated/, 15_000)).toBe(true);
  });
});

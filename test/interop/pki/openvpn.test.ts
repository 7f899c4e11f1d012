import { afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { join } from 'node:path';
import { requireBinary } from '../require-binary.js';
import { cachegate, tempDir } from './tools.js';

const describeIf = requireBinary('openssl') && requireBinary('openvpn') ? describe : describe.skip;

async function freeUdpPort(): Promise<number> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}

interface Running {
  child: ChildProcess;
  output: () => string;
  waitFor: (pattern: RegExp, timeoutMs: number) => Promise<boolean>;
}

const running: ChildProcess[] = [];

function start(args: string[]): Running {
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
    child,
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

describeIf('OpenVPN --crl-verify with a cachegate CRL', () => {
  let dir: string;
  let store: string;

  beforeAll(() => {
    dir = tempDir('openvpn');
    store = join(dir, 'pki');
    for (const args of [
      ['pki', 'init', '--store', store, '--cn', 'VPN CA'],
      ['cert', 'issue', '--store', store, '--cn', 'server', '--server'],
      ['cert', 'issue', '--store', store, '--cn', 'good-client'],
      ['cert', 'issue', '--store', store, '--cn', 'bad-client', '--out', join(dir, 'bad')],
      ['cert', 'revoke', '--store', store, '--cn', 'bad-client', '--reason', 'keyCompromise'],
      ['crl', 'build', '--store', store, '--out', join(dir, 'crl.pem')],
    ]) {
      const r = cachegate(args);
      if (r.status !== 0) throw new Error(`cachegate ${args.join(' ')}: ${r.stderr}`);
    }
  });

  async function connect(certPath: string, keyPath: string): Promise<{ server: Running; client: Running }> {
    const port = await freeUdpPort();
    const common = [
      '--dev',
      'null',
      '--proto',
      'udp',
      '--verb',
      '3',
      '--ca',
      join(store, 'ca.crt'),
      '--data-ciphers',
      'AES-256-GCM',
    ];
    const server = start([
      ...common,
      '--mode',
      'p2p',
      '--tls-server',
      '--dh',
      'none',
      '--local',
      '127.0.0.1',
      '--lport',
      String(port),
      '--cert',
      join(store, 'issued', 'server.crt'),
      '--key',
      join(store, 'private', 'server.key'),
      '--crl-verify',
      join(dir, 'crl.pem'),
    ]);
    const ready = await server.waitFor(/UDPv4 link local \(bound\)/, 10_000);
    if (!ready) throw new Error(`openvpn server did not start:\n${server.output()}`);
    const client = start([
      ...common,
      '--tls-client',
      '--remote',
      '127.0.0.1',
      String(port),
      '--nobind',
      '--remote-cert-tls',
      'server',
      '--cert',
      certPath,
      '--key',
      keyPath,
      '--hand-window',
      '15',
    ]);
    return { server, client };
  }

  it('accepts a valid client', async () => {
    const { server, client } = await connect(
      join(store, 'issued', 'good-client.crt'),
      join(store, 'private', 'good-client.key'),
    );
    const connected = await client.waitFor(/Initialization Sequence Completed/, 20_000);
    expect({ connected, log: connected ? '' : server.output() + client.output() }).toEqual({
      connected: true,
      log: '',
    });
    expect(await server.waitFor(/Initialization Sequence Completed/, 10_000)).toBe(true);
  });

  it('rejects a revoked client', async () => {
    const { server, client } = await connect(
      join(dir, 'bad', 'bad-client.crt'),
      join(dir, 'bad', 'bad-client.key'),
    );
    const rejected = await server.waitFor(/certificate revoked|CRL CHECK FAILED/, 20_000);
    expect({ rejected, log: rejected ? '' : server.output() }).toEqual({ rejected: true, log: '' });
    expect(client.output()).not.toMatch(/Initialization Sequence Completed/);
    expect(server.output()).not.toMatch(/Initialization Sequence Completed/);
  });
});

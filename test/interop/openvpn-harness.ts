/**
 * Real `openvpn` processes for the interop suites: a peer-to-peer TLS server on a free loopback
 * UDP port, clients started with any arguments, and their combined output to wait on. Each suite
 * calls `afterEach(stopOpenVpnProcesses)` so no process outlives its test.
 */
import { expect } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';

export interface OpenVpnProcess {
  output: () => string;
  /** Resolves true once the output matches, false when the process exits or the time is up first. */
  waitFor: (pattern: RegExp, timeoutMs: number) => Promise<boolean>;
}

const running: ChildProcess[] = [];

async function freeUdpPort(): Promise<number> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}

export function startOpenVpn(args: string[]): OpenVpnProcess {
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

/**
 * A TLS server in peer-to-peer mode on 127.0.0.1 (no tun device: `--dev null`, no root needed),
 * AES-256-GCM, with the given CA, certificate and key, plus `extraArgs`. Not yet bound: wait for
 * `SERVER_BOUND` before a client connects.
 */
export async function startLoopbackServer(
  tls: { ca: string; cert: string; key: string },
  extraArgs: string[] = [],
): Promise<{ server: OpenVpnProcess; port: number }> {
  const port = await freeUdpPort();
  const server = startOpenVpn([
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
    tls.ca,
    '--cert',
    tls.cert,
    '--key',
    tls.key,
    ...extraArgs,
  ]);
  return { server, port };
}

/** What a server logs once its UDP socket is bound. */
export const SERVER_BOUND = /UDPv4 link local \(bound\)/;

export function stopOpenVpnProcesses(): void {
  for (const child of running.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
}

/**
 * A Client VPN `.ovpn` made usable on loopback: only `remote` (to 127.0.0.1:port),
 * `remote-random-hostname` (dropped) and `dev tun` (to `dev null`, no root needed) change.
 */
export function forLoopback(profile: string, port: number): string {
  const lines = profile.split('\n');
  expect(lines.filter((l) => /^remote /.test(l))).toHaveLength(1);
  expect(lines).toContain('dev tun');
  return lines
    .filter((l) => l !== 'remote-random-hostname')
    .map((l) => (l.startsWith('remote ') ? `remote 127.0.0.1 ${port}` : l === 'dev tun' ? 'dev null' : l))
    .join('\n');
}

/**
 * The connectivity probe: tries `AUTH <user> <password>` on the cache itself, on a connection
 * of its own that is closed right after. In AWS the function runs in the cache's VPC and talks
 * TLS to the primary endpoint (ElastiCache RBAC requires in-transit encryption); in the sandbox
 * it talks plain TCP to the redis-server that mirrors the ElastiCache model's users.
 * Configured by `ROTATION_PROBE_ENDPOINT` (`host:port`) and `ROTATION_PROBE_TLS` (default true)
 * for ElastiCache, `MEMORYDB_ROTATION_PROBE_ENDPOINT` and `MEMORYDB_ROTATION_PROBE_TLS` for
 * MemoryDB (a separate cluster endpoint); without an endpoint there is no probe and verification
 * is skipped.
 */
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import type { CacheService } from '../core/rbac/cache-service.js';

export interface ProbeEndpoint {
  host: string;
  port: number;
  tls: boolean;
}

export type ProbeResult = 'accepted' | 'rejected';

/** The cache could not be reached (network, TLS, timeout): says nothing about the password. */
export class ProbeUnavailableError extends Error {
  override readonly name: string = 'ProbeUnavailableError';
  constructor(message: string) {
    super(message);
  }
}

/** The cache refused an IAM user's `AUTH` with a fresh token (IAM may still be propagating: retried). */
export class IamAuthRejected extends Error {
  override readonly name: string = 'IamAuthRejected';
  constructor(message: string) {
    super(message);
  }
}

/**
 * The cache the ElastiCache probe endpoint belongs to (`ROTATION_PROBE_CACHE`: a replication
 * group ID or serverless cache name): an IAM auth token is signed for one cache, so verifying an
 * IAM user needs to know which one the endpoint reaches.
 */
export function probeCacheFromEnv(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return env.ROTATION_PROBE_CACHE || undefined;
}

export function probeEndpointFromEnv(
  env: NodeJS.ProcessEnv = process.env,
  service: CacheService = 'elasticache',
): ProbeEndpoint | undefined {
  const prefix = service === 'memorydb' ? 'MEMORYDB_' : '';
  const endpoint = env[`${prefix}ROTATION_PROBE_ENDPOINT`];
  if (!endpoint) return undefined;
  const match = /^(.+):(\d{1,5})$/.exec(endpoint);
  if (!match) throw new ProbeUnavailableError(`${prefix}ROTATION_PROBE_ENDPOINT must be host:port`);
  return {
    host: match[1] as string,
    port: Number(match[2]),
    tls: env[`${prefix}ROTATION_PROBE_TLS`] !== 'false',
  };
}

/**
 * One `AUTH` on a fresh connection. The reply is read, never the password echoed. `userName`
 * undefined sends the one-argument `AUTH <token>` of a replication group on AUTH.
 */
export function tryAuth(
  endpoint: ProbeEndpoint,
  userName: string | undefined,
  password: string,
  timeoutMs = 5000,
): Promise<ProbeResult> {
  return new Promise((resolve, reject) => {
    const socket: Socket = endpoint.tls
      ? tlsConnect({ host: endpoint.host, port: endpoint.port, servername: endpoint.host })
      : netConnect({ host: endpoint.host, port: endpoint.port });
    let reply = '';
    const finish = (outcome: ProbeResult | Error) => {
      socket.destroy();
      if (outcome instanceof Error) reject(outcome);
      else resolve(outcome);
    };
    socket.setTimeout(timeoutMs, () =>
      finish(
        new ProbeUnavailableError(
          `no AUTH reply from ${endpoint.host}:${endpoint.port} within ${timeoutMs} ms`,
        ),
      ),
    );
    socket.once('error', (error) =>
      finish(new ProbeUnavailableError(`cannot reach ${endpoint.host}:${endpoint.port}: ${error.message}`)),
    );
    socket.once(endpoint.tls ? 'secureConnect' : 'connect', () =>
      socket.write(encodeCommand(userName === undefined ? ['AUTH', password] : ['AUTH', userName, password])),
    );
    socket.on('data', (chunk: Buffer) => {
      reply += chunk.toString('utf8');
      const lineEnd = reply.indexOf('\r\n');
      if (lineEnd < 0) return;
      const line = reply.slice(0, lineEnd);
      if (line === '+OK') finish('accepted');
      else if (/^-(WRONGPASS|ERR|NOAUTH)/.test(line)) finish('rejected');
      else finish(new ProbeUnavailableError(`unexpected AUTH reply type ${JSON.stringify(line.charAt(0))}`));
    });
  });
}

function encodeCommand(args: readonly string[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`)];
  for (const arg of args) {
    const bytes = Buffer.from(arg, 'utf8');
    parts.push(Buffer.from(`$${bytes.length}\r\n`), bytes, Buffer.from('\r\n'));
  }
  return Buffer.concat(parts);
}

/**
 * `CLIENT LIST` as the given user on a fresh connection: `AUTH`, `CLIENT ID` (the probe's own
 * connection, for the caller to leave out), `CLIENT LIST`. `userName` undefined sends the
 * one-argument `AUTH <password>`, which logs in as `default`. Rejects with ProbeUnavailableError
 * when the cache cannot be reached or refuses the login.
 */
export function listClients(
  endpoint: ProbeEndpoint,
  login: { userName?: string; password: string },
  timeoutMs = 5000,
): Promise<{ ownId: string; clientList: string }> {
  return new Promise((resolve, reject) => {
    const socket: Socket = endpoint.tls
      ? tlsConnect({ host: endpoint.host, port: endpoint.port, servername: endpoint.host })
      : netConnect({ host: endpoint.host, port: endpoint.port });
    let buffer = Buffer.alloc(0);
    const finish = (outcome: { ownId: string; clientList: string } | Error) => {
      socket.destroy();
      if (outcome instanceof Error) reject(outcome);
      else resolve(outcome);
    };
    socket.setTimeout(timeoutMs, () =>
      finish(new ProbeUnavailableError(`no CLIENT LIST reply from ${endpoint.host}:${endpoint.port}`)),
    );
    socket.once('error', (error) =>
      finish(new ProbeUnavailableError(`cannot reach ${endpoint.host}:${endpoint.port}: ${error.message}`)),
    );
    socket.once(endpoint.tls ? 'secureConnect' : 'connect', () => {
      const auth =
        login.userName === undefined ? ['AUTH', login.password] : ['AUTH', login.userName, login.password];
      socket.write(
        Buffer.concat([
          encodeCommand(auth),
          encodeCommand(['CLIENT', 'ID']),
          encodeCommand(['CLIENT', 'LIST']),
        ]),
      );
    });
    socket.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      const replies = readReplies(buffer, 3);
      if (!replies) return;
      const [auth, id, list] = replies;
      if (auth !== '+OK')
        finish(new ProbeUnavailableError(`the probe's login was refused (${errorWord(auth)})`));
      else if (!id?.startsWith(':') || !list?.startsWith('$'))
        finish(
          new ProbeUnavailableError(`CLIENT LIST refused (${errorWord(id?.startsWith(':') ? list : id)})`),
        );
      else finish({ ownId: id.slice(1), clientList: list.slice(1) });
    });
  });
}

/** The first word of an error reply (`WRONGPASS`, `NOPERM`), never more: replies may echo input. */
function errorWord(reply: string | undefined): string {
  return /^-([A-Z]+)/.exec(reply ?? '')?.[1] ?? 'unexpected reply';
}

/**
 * `count` RESP2 replies of the kinds AUTH / CLIENT ID / CLIENT LIST answer with: simple string
 * or error (kept with its type byte), integer (`:n`), bulk string (`$` + text). Undefined until
 * all have arrived.
 */
function readReplies(buffer: Buffer, count: number): string[] | undefined {
  const replies: string[] = [];
  let offset = 0;
  while (replies.length < count) {
    const lineEnd = buffer.indexOf('\r\n', offset);
    if (lineEnd < 0) return undefined;
    const line = buffer.toString('utf8', offset, lineEnd);
    if (line.startsWith('$')) {
      const length = Number(line.slice(1));
      const start = lineEnd + 2;
      if (length < 0) {
        replies.push('$');
        offset = start;
        continue;
      }
      if (buffer.length < start + length + 2) return undefined;
      replies.push(`$${buffer.toString('utf8', start, start + length)}`);
      offset = start + length + 2;
    } else {
      replies.push(line);
      offset = lineEnd + 2;
    }
  }
  return replies;
}

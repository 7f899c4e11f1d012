/**
 * A throwaway redis-server for the demo and the interop suites: random loopback port, no
 * persistence, stopped by its owner. Speaks RESP2 over node:net because no Redis client library
 * is a dependency.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { accessSync, constants } from 'node:fs';
import { createConnection, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

export type RedisReply = string | number | null | RedisReply[];

/** An error reply (`-ERR ...`) from the server; the command itself reached Redis. */
export class RedisReplyError extends Error {
  override readonly name: string = 'RedisReplyError';
  constructor(message: string) {
    super(message);
  }
}

export interface RedisConnection {
  /** Sends one command; resolves with the reply, rejects with RedisReplyError on an error reply. */
  command(args: readonly string[]): Promise<RedisReply>;
  close(): void;
}

export interface RedisServer {
  readonly port: number;
  /**
   * Sends one command on the server's own admin connection. It is logged in as an admin user of
   * its own (not `default`), so a mirror may lock or give passwords to `default` as ElastiCache
   * does, and `CLIENT LIST` shows only the clients' own connections as `user=default`.
   */
  command(args: readonly string[]): Promise<RedisReply>;
  /** Opens another client connection, e.g. to `AUTH` as some user without touching the admin one. */
  connect(): Promise<RedisConnection>;
  stop(): Promise<void>;
}

/** True when a `redis-server` binary is on PATH. */
export function redisServerAvailable(binary = 'redis-server'): boolean {
  return (process.env.PATH ?? '')
    .split(delimiter)
    .filter((dir) => dir.length > 0)
    .some((dir) => {
      try {
        accessSync(join(dir, binary), constants.X_OK);
        return true;
      } catch {
        return false;
      }
    });
}

const START_TIMEOUT_MS = 5000;
const ADMIN_USER = 'cachegate-mirror-admin';

export async function startRedisServer(options: { binary?: string } = {}): Promise<RedisServer> {
  let lastError: unknown;
  // A free port can be taken by someone else between probing and binding: retry a few times.
  for (let attempt = 0; attempt < 3; attempt += 1) {
    const port = await freeLoopbackPort();
    const child = spawn(
      options.binary ?? 'redis-server',
      ['--save', '', '--appendonly', 'no', '--port', String(port), '--bind', '127.0.0.1'],
      { cwd: tmpdir(), stdio: ['ignore', 'ignore', 'pipe'] },
    );
    try {
      const connection = await connectWhenReady(port, child);
      const adminPassword = randomBytes(24).toString('hex');
      await connection.send(['ACL', 'SETUSER', ADMIN_USER, 'on', `>${adminPassword}`, '~*', '&*', '+@all']);
      await connection.send(['AUTH', ADMIN_USER, adminPassword]);
      const clients = new Set<RespConnection>();
      return {
        port,
        command: (args) => connection.send(args),
        connect: async () => {
          const client = await RespConnection.open(port);
          clients.add(client);
          return {
            command: (args) => client.send(args),
            close: () => {
              clients.delete(client);
              client.close();
            },
          };
        },
        stop: async () => {
          for (const client of clients) client.close();
          connection.close();
          await stopChild(child);
        },
      };
    } catch (error) {
      lastError = error;
      await stopChild(child);
    }
  }
  throw new Error(`redis-server did not start: ${String(lastError)}`);
}

function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address !== null && typeof address === 'object') resolve(address.port);
        else reject(new Error('no port assigned'));
      });
    });
  });
}

async function connectWhenReady(port: number, child: ChildProcess): Promise<RespConnection> {
  let exited = false;
  child.once('exit', () => {
    exited = true;
  });
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (exited) throw new Error(`redis-server exited (exit code ${String(child.exitCode)})`);
    try {
      const connection = await RespConnection.open(port);
      if ((await connection.send(['PING'])) === 'PONG') return connection;
      connection.close();
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }
  throw new Error(`redis-server did not answer PING on port ${port} within ${START_TIMEOUT_MS} ms`);
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

interface Pending {
  resolve(reply: RedisReply): void;
  reject(error: Error): void;
}

class RespConnection {
  private buffer = Buffer.alloc(0);
  private readonly pending: Pending[] = [];

  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('close', () => this.failAll(new Error('connection to redis-server closed')));
    socket.on('error', (error) => this.failAll(error));
  }

  static open(port: number): Promise<RespConnection> {
    return new Promise((resolve, reject) => {
      const socket = createConnection({ host: '127.0.0.1', port });
      socket.once('error', reject);
      socket.once('connect', () => {
        socket.off('error', reject);
        resolve(new RespConnection(socket));
      });
    });
  }

  send(args: readonly string[]): Promise<RedisReply> {
    return new Promise((resolve, reject) => {
      this.pending.push({ resolve, reject });
      this.socket.write(encodeCommand(args));
    });
  }

  close(): void {
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    for (;;) {
      const parsed = parseReply(this.buffer, 0);
      if (parsed === undefined) return;
      this.buffer = this.buffer.subarray(parsed.next);
      const waiter = this.pending.shift();
      if (waiter === undefined) continue;
      if (parsed.value instanceof RedisReplyError) waiter.reject(parsed.value);
      else waiter.resolve(parsed.value);
    }
  }

  private failAll(error: Error): void {
    for (const waiter of this.pending.splice(0)) waiter.reject(error);
  }
}

function encodeCommand(args: readonly string[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`)];
  for (const arg of args) {
    const bytes = Buffer.from(arg, 'utf8');
    parts.push(Buffer.from(`$${bytes.length}\r\n`), bytes, Buffer.from('\r\n'));
  }
  return Buffer.concat(parts);
}

type Parsed = { value: RedisReply | RedisReplyError; next: number };

/** Parses one RESP2 reply starting at `offset`; undefined when the buffer holds only part of it. */
function parseReply(buffer: Buffer, offset: number): Parsed | undefined {
  const lineEnd = buffer.indexOf('\r\n', offset);
  if (lineEnd < 0) return undefined;
  const type = String.fromCharCode(buffer[offset] ?? 0);
  const line = buffer.toString('utf8', offset + 1, lineEnd);
  const afterLine = lineEnd + 2;
  switch (type) {
    case '+':
      return { value: line, next: afterLine };
    case '-':
      return { value: new RedisReplyError(line), next: afterLine };
    case ':':
      return { value: Number(line), next: afterLine };
    case '$': {
      const length = Number(line);
      if (length < 0) return { value: null, next: afterLine };
      if (buffer.length < afterLine + length + 2) return undefined;
      return {
        value: buffer.toString('utf8', afterLine, afterLine + length),
        next: afterLine + length + 2,
      };
    }
    case '*': {
      const count = Number(line);
      if (count < 0) return { value: null, next: afterLine };
      const items: RedisReply[] = [];
      let next = afterLine;
      for (let i = 0; i < count; i += 1) {
        const item = parseReply(buffer, next);
        if (item === undefined) return undefined;
        // An error nested in an array (EXEC results) is kept as its message text.
        items.push(item.value instanceof RedisReplyError ? item.value.message : item.value);
        next = item.next;
      }
      return { value: items, next };
    }
    default:
      throw new Error(`unexpected RESP type byte ${JSON.stringify(type)}`);
  }
}

/**
 * moto (an independently written AWS emulator) as a second opinion on the sandbox: one
 * `moto_server` per test file on a free 127.0.0.1 port, stopped after the file. Locally a missing
 * moto_server skips the suite with a printed reason; in CI (`CI=true`) it is a failure.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { setAwsClientHook, type AnyAwsClient } from '../../functions/aws/clients.js';
import { attachSandboxRouting } from '../../local/sandbox/sandbox.js';
import { requireBinary } from '../interop/require-binary.js';

export interface MotoServer {
  endpoint: string;
  /** SDK client settings that point a client at this server. */
  clientConfig: {
    endpoint: string;
    region: string;
    credentials: { accessKeyId: string; secretAccessKey: string };
  };
  /** Points every client cachegate's adapters create (`createAwsClient`) at this server. */
  installForAdapters(): void;
  stop(): Promise<void>;
}

/** Whether moto_server is on PATH (throws in CI when it is not). */
export function motoAvailable(): boolean {
  return requireBinary('moto_server');
}

export async function startMotoServer(): Promise<MotoServer> {
  const port = await freePort();
  const child = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-2000);
  });
  const endpoint = `http://127.0.0.1:${port}`;
  try {
    await waitUntilServing(endpoint, child, () => stderr);
  } catch (error) {
    await stopChild(child);
    throw error;
  }
  const clientConfig = {
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  };
  return {
    endpoint,
    clientConfig,
    installForAdapters: () => setAwsClientHook({ defaults: clientConfig, attach: () => undefined }),
    stop: async () => {
      setAwsClientHook(undefined);
      await stopChild(child);
    },
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function waitUntilServing(endpoint: string, child: ChildProcess, stderr: () => string): Promise<void> {
  // moto_server starts in 1-3 s on an idle machine; a loaded CI machine gets a wide margin.
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`moto_server exited (${child.exitCode}): ${stderr()}`);
    try {
      const response = await fetch(`${endpoint}/moto-api/`);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`moto_server did not answer on ${endpoint} within 60 s: ${stderr()}`);
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

/**
 * Runs cachegate's adapters, unchanged, on either side: every client `createAwsClient` builds
 * from now on points at moto, and a middleware sends each call to the installed sandbox's models
 * instead while the sandbox side is in use. An adapter builds its client once, so one module
 * instance serves both sides. Needs a sandbox installed (createSandbox) first.
 */
export function routeAdaptersPerSide(moto: MotoServer): { use(side: 'sandbox' | 'moto'): void } {
  let current: 'sandbox' | 'moto' = 'sandbox';
  type Handler = (args: unknown) => Promise<unknown>;
  type Middleware = (next: Handler, context: unknown) => Handler;
  setAwsClientHook({
    defaults: moto.clientConfig,
    attach: (client: AnyAwsClient) => {
      let viaSandbox: Middleware | undefined;
      attachSandboxRouting({
        config: client.config,
        middlewareStack: { add: (middleware: Middleware) => (viaSandbox ??= middleware) },
      });
      client.middlewareStack.add(
        (next: Handler, context: unknown) => {
          const sandboxHandler = viaSandbox?.(next, context);
          return (args: unknown) =>
            current === 'sandbox' && sandboxHandler ? sandboxHandler(args) : next(args);
        },
        { step: 'initialize', name: 'differentialSide', priority: 'high' },
      );
    },
  });
  return { use: (side) => (current = side) };
}

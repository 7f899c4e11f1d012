// A function's first call in a process of its own, as Lambda runs it: the bench's wrappers (in the
// demo and in the workflow tests) hand the first invocation of each function to a forked
// bench/first-call-child.mjs that imports the function's bundle and runs the call there. The
// child's AWS calls come back here over IPC, into the sandbox installed in this process (its
// routing middleware: fault injection, throttling, the service models), and its DynamoDB requests
// go over HTTP to this process's dynalite; the other local hooks (CRL authority, Slack recorder,
// clock) are proxied the same way. So the child's CPU time is the function's own: what it costs a
// Lambda, without the sandbox's work for the call or the rest of the workflow running meanwhile.
import { AsyncLocalStorage } from 'node:async_hooks';
import { execFileSync, fork } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer as createTlsServer } from 'node:tls';
import { fileURLToPath } from 'node:url';
import { decodeError, decode, encode, encodeError } from './first-call-codec.mjs';

const CHILD = fileURLToPath(new URL('./first-call-child.mjs', import.meta.url));
const hook = (name) => globalThis[Symbol.for(`cachegate.${name}`)];

/**
 * Runs the sandbox's routing middleware for a call the child made; `passThrough` = go on to HTTP.
 * Inputs and outputs are plain data: they cross as they are (a large output is bench overhead).
 */
async function sandboxCall(awsHook, { serviceId, commandName, input, region, accessKeyId }) {
  let initialize;
  awsHook.attach({
    config: { serviceId, region: async () => region, credentials: async () => ({ accessKeyId }) },
    middlewareStack: {
      add: (middleware, options) => options.step === 'initialize' && (initialize = middleware),
    },
  });
  const PASS = {};
  const result = await initialize(async () => PASS, { commandName })({ input });
  return result === PASS ? { passThrough: true } : { output: result.output };
}

/** Where the sandbox sends DynamoDB requests (its dynalite), read off its build middleware. */
async function dynamoDbTarget(awsHook) {
  let build;
  awsHook.attach({
    config: { serviceId: 'DynamoDB' },
    middlewareStack: { add: (middleware, options) => options.step === 'build' && (build = middleware) },
  });
  try {
    const { request } = await build(async (args) => args)({ request: { headers: {} } });
    return { hostname: request.hostname, port: request.port };
  } catch {
    return undefined; // the sandbox has no DynamoDB
  }
}

/**
 * A TLS front for dynalite (plain HTTP), so the function reaches DynamoDB over HTTPS as in AWS: it
 * pays the handshake, and the SDK does not load `node:http`, which it imports lazily for an
 * `http:` endpoint only (its ESM facade also loads Node's fetch, undici: ~20–40 ms no Lambda
 * pays). The certificate is a throwaway self-signed one for 127.0.0.1 (openssl), which the child
 * trusts through NODE_EXTRA_CA_CERTS.
 */
let tls;
const fronts = new Map();
async function tlsFront(target) {
  tls ??= (() => {
    // Written by openssl, read, and removed at once: the key lives on in memory only.
    const dir = mkdtempSync(join(tmpdir(), 'cachegate-first-call-tls-'));
    try {
      const [key, cert] = [join(dir, 'key.pem'), join(dir, 'cert.pem')];
      execFileSync(
        'openssl',
        [
          'req',
          '-x509',
          '-newkey',
          'rsa:2048',
          '-nodes',
          '-days',
          '1',
          '-subj',
          '/CN=127.0.0.1',
          '-addext',
          'subjectAltName=IP:127.0.0.1',
          '-keyout',
          key,
          '-out',
          cert,
        ],
        { stdio: 'ignore' },
      );
      return { key: readFileSync(key, 'utf8'), cert: readFileSync(cert, 'utf8') };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  })();
  const id = `${target.hostname}:${target.port}`;
  if (!fronts.has(id)) {
    const server = createTlsServer({ key: tls.key, cert: tls.cert }, (socket) => {
      const upstream = connect(target.port, target.hostname);
      socket.pipe(upstream).pipe(socket);
      socket.on('error', () => upstream.destroy());
      upstream.on('error', () => socket.destroy());
    });
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    server.unref();
    fronts.set(id, { protocol: 'https:', hostname: '127.0.0.1', port: server.address().port });
  }
  return fronts.get(id);
}

/**
 * Runs `event` through the function's bundle in a fresh child process. Resolves with the outcome, the child's
 * wall and CPU time for the call (its import excluded: it is measured on its own) and the result;
 * an error the sandbox raised and the handler let through is rethrown as the very same object.
 */
export async function firstCallInChild({ name, bundle }, event, context) {
  const inCaller = AsyncLocalStorage.snapshot(); // fault injection's view of the invocation
  const shared = new Map();
  const share = (value) => shared.set(shared.size + 1, value).size;
  const thrown = new Map();
  const awsHook = hook('awsClientHook');
  const dynamoDb = awsHook && (await dynamoDbTarget(awsHook));
  const hooks = {
    aws: awsHook && { defaults: awsHook.defaults, dynamoDb: dynamoDb && (await tlsFront(dynamoDb)) },
    clockMs: hook('serviceClock')?.().getTime(),
    crlAuthority: hook('crlAuthority') && encode(hook('crlAuthority'), share),
    slackNotifier: hook('slackNotifier') && encode(hook('slackNotifier'), share),
  };
  // The certificate the child trusts, in a file of this call's (NODE_EXTRA_CA_CERTS names a file).
  const caDir = tls && mkdtempSync(join(tmpdir(), 'cachegate-first-call-ca-'));
  if (caDir) writeFileSync(join(caDir, 'cert.pem'), tls.cert);
  const env = { ...process.env, ...(caDir && { NODE_EXTRA_CA_CERTS: join(caDir, 'cert.pem') }) };
  delete env.NODE_OPTIONS;
  // COLD_START_CPU_PROF=<dir> (the bench's --cpu-prof): V8 profiles of each child, import and call.
  const profiles = process.env.COLD_START_CPU_PROF;
  const child = fork(CHILD, [bundle, profiles ? join(profiles, `${name}.phases.json`) : ''], {
    serialization: 'advanced',
    execArgv: profiles
      ? [
          '--cpu-prof',
          '--cpu-prof-interval',
          '100',
          '--cpu-prof-dir',
          profiles,
          '--cpu-prof-name',
          `${name}.cpuprofile`,
        ]
      : [],
    env,
    stdio: ['ignore', 2, 2, 'ipc'], // the function's logs to stderr: stdout may carry a caller's answer
  });
  const reply = (id, work) =>
    inCaller(async () => {
      let answer;
      try {
        answer = await work();
      } catch (error) {
        thrown.set(thrown.size + 1, error);
        answer = { error: encodeError(error, thrown.size) };
      }
      if (!child.connected) return;
      try {
        child.send({ type: 'answer', id, ...answer });
      } catch (error) {
        child.send({ type: 'answer', id, error: encodeError(error) }); // an answer that cannot be cloned
      }
    });
  const remainingMs = context?.getRemainingTimeInMillis?.() ?? 60_000;
  // A call abandoned by its caller (a Lambda timeout) must hold neither the child nor this process.
  const killer = setTimeout(() => child.kill(), remainingMs + 5_000).unref();
  child.unref();
  child.channel?.unref();
  try {
    return await new Promise((resolve, reject) => {
      child.on('error', reject);
      child.on('exit', (code, signal) =>
        reject(
          new Error(`cold-start bench: the function's process ended (${signal ?? code}) before answering`),
        ),
      );
      child.on('message', (message) => {
        if (message.type === 'aws') reply(message.id, () => sandboxCall(awsHook, message));
        else if (message.type === 'invoke') {
          reply(message.id, async () => {
            const target = shared.get(message.ref);
            const fn = message.method === undefined ? target : target[message.method];
            return { output: encode(await fn.apply(target, decode(message.args)), share) };
          });
        } else if (message.type === 'ready') {
          const data = Object.fromEntries(
            Object.entries(context ?? {}).filter(([, v]) => typeof v !== 'function'),
          );
          child.send({ type: 'call', event: encode(event), context: data, remainingMs });
        } else if (message.type === 'done') {
          const origin = message.error?.origin;
          resolve({
            outcome: message.error ? message.error.name : 'ok',
            firstCallMs: message.firstCallMs,
            firstCallCpuMs: message.firstCallCpuMs,
            keyGenerationCpuMs: message.keyGenerationCpuMs,
            result: message.result,
            error: message.error && (thrown.get(origin) ?? decodeError(message.error)),
          });
        }
      });
      child.send({ type: 'init', hooks });
    });
  } finally {
    clearTimeout(killer);
    if (child.connected) child.disconnect();
    if (caDir) rmSync(caDir, { recursive: true, force: true });
  }
}

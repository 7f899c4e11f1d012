// A function's own process for its first call (bench/first-call-isolated.mjs forks it): installs
// the local hooks a handler looks up (AWS client hook, service clock, CRL authority, Slack
// notifier) as proxies to the bench's process, imports the bundle, runs one invocation and reports
// the CPU time this process spent in it (and, of that, in RSA key generation). So the sandbox's work for the call (service models,
// dynalite) and whatever else the bench's process runs meanwhile are counted there, not here, as a
// Lambda's CPU does not include AWS's.
// Usage (forked, with an IPC channel): node bench/first-call-child.mjs <bundle index.mjs> [phases.json]
// phases.json (when profiled): when the call began, in the CPU profile's clock (µs, monotonic).
import { writeFileSync } from 'node:fs';
import { createRequire, syncBuiltinESMExports } from 'node:module';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { decode, decodeError, encode, encodeError } from './first-call-codec.mjs';

const [bundle, phasesFile] = process.argv.slice(2);

// RSA key generation is the work a caller asked for (a client certificate with a generated key, a
// renewed server certificate), not start-up: its CPU time is counted apart. The bundle imports
// `generateKeyPairSync` from node:crypto's ES module, whose bindings follow the CommonJS exports
// once they are synced.
const crypto = createRequire(import.meta.url)('node:crypto');
const generateKeyPairSync = crypto.generateKeyPairSync;
let keyGenerationCpuUs = 0;
crypto.generateKeyPairSync = (...args) => {
  const cpu = process.cpuUsage();
  try {
    return generateKeyPairSync(...args);
  } finally {
    const used = process.cpuUsage(cpu);
    keyGenerationCpuUs += used.user + used.system;
  }
};
syncBuiltinESMExports();
const pending = new Map();
let lastId = 0;

/** Asks the bench's process; resolves with its decoded answer. */
function ask(message) {
  const id = ++lastId;
  process.send({ ...message, id });
  return new Promise((resolve, reject) => pending.set(id, { resolve, reject }));
}
const callBack = async (ref, method, args) =>
  decode((await ask({ type: 'invoke', ref, method, args: encode(args) })).output, callBack);

const hookKey = (name) => Symbol.for(`cachegate.${name}`);

function install({ aws, clockMs, crlAuthority, slackNotifier }) {
  if (aws) {
    globalThis[hookKey('awsClientHook')] = {
      defaults: aws.defaults,
      attach(client) {
        const serviceId = client.config.serviceId;
        client.middlewareStack.add(
          (next, context) => async (args) => {
            const region = String(await client.config.region());
            const { accessKeyId } = await client.config.credentials();
            const answer = await ask({
              type: 'aws',
              serviceId,
              commandName: context.commandName,
              input: args.input,
              region,
              accessKeyId,
            });
            return answer.passThrough ? next(args) : { output: answer.output, response: {} };
          },
          { step: 'initialize', name: 'cachegateSandbox', priority: 'high' },
        );
        if (serviceId === 'DynamoDB' && aws.dynamoDb) {
          client.middlewareStack.add(
            (next) => async (args) => {
              Object.assign(args.request, aws.dynamoDb);
              args.request.headers.host = `${aws.dynamoDb.hostname}:${aws.dynamoDb.port}`;
              return next(args);
            },
            { step: 'build', name: 'cachegateSandboxDynamoDb' },
          );
        }
      },
    };
  }
  // The sandbox clock as it read when the call began, running on at real speed from there.
  if (clockMs !== undefined) {
    const started = performance.now();
    globalThis[hookKey('serviceClock')] = () => new Date(clockMs + (performance.now() - started));
  }
  if (crlAuthority) globalThis[hookKey('crlAuthority')] = decode(crlAuthority, callBack);
  if (slackNotifier) globalThis[hookKey('slackNotifier')] = decode(slackNotifier, callBack);
}

let handler;
process.on('disconnect', () => process.exit(0));
process.on('message', async (message) => {
  if (message.type === 'answer') {
    const waiting = pending.get(message.id);
    pending.delete(message.id);
    if (message.error) waiting.reject(decodeError(message.error));
    else waiting.resolve(message);
    return;
  }
  if (message.type === 'init') {
    install(message.hooks);
    ({ handler } = await import(pathToFileURL(bundle).href));
    process.send({ type: 'ready' });
    return;
  }
  if (message.type === 'call') {
    const deadline = performance.now() + message.remainingMs;
    const context = {
      ...message.context,
      getRemainingTimeInMillis: () => Math.max(0, Math.floor(deadline - performance.now())),
    };
    if (phasesFile)
      writeFileSync(phasesFile, JSON.stringify({ callStartUs: Number(process.hrtime.bigint() / 1000n) }));
    const cpu = process.cpuUsage();
    const started = performance.now();
    let outcome;
    try {
      outcome = { result: encode(await handler(message.event, context)) };
    } catch (error) {
      outcome = { error: encodeError(error, error?.coldStartOrigin) };
    }
    const used = process.cpuUsage(cpu);
    process.send({
      type: 'done',
      ...outcome,
      firstCallMs: performance.now() - started,
      firstCallCpuMs: (used.user + used.system) / 1000,
      keyGenerationCpuMs: keyGenerationCpuUs / 1000,
    });
  }
});

// Child of bench/cold-start.mjs: runs the demo (`cachegate demo --fast`, every workflow on the
// sandbox) with each function's handler replaced by its synthesized bundle, and records how long
// each function's first invocation takes, in wall and CPU time (the process's CPU during the call:
// the sandbox's share included). The bundle's module graph is its own (the AWS SDK and
// everything else inside it), so that first call pays what a cold Lambda pays after its import.
// Usage: node bench/cold-start-demo.mjs <bundles.json: name -> index.mjs> <out.json>
import { readFileSync, writeFileSync } from 'node:fs';
import { registerHooks } from 'node:module';
import { pathToFileURL } from 'node:url';

const [bundlesFile, outFile] = process.argv.slice(2);
const bundles = JSON.parse(readFileSync(bundlesFile, 'utf8'));
const firstCalls = {};
const REPORT = Symbol.for('cachegate.coldStartBench');
globalThis[REPORT] = (name, firstCallMs, firstCallCpuMs, outcome) =>
  (firstCalls[name] ??= { firstCallMs, firstCallCpuMs, outcome });

const HANDLER = /\/dist\/functions\/([a-z0-9-]+)\/handler\.js$/;
const WRAPPED = '?cold-start-bundle';

/** A module standing in for dist/functions/<name>/handler.js: the bundle, first call timed. */
const wrapper = (name) => `
import { handler as bundled } from ${JSON.stringify(pathToFileURL(bundles[name]).href)};
let first = true;
export async function handler(event, context) {
  if (!first) return bundled(event, context);
  first = false;
  const cpu = process.cpuUsage();
  const started = performance.now();
  const report = (outcome) => {
    const used = process.cpuUsage(cpu);
    globalThis[Symbol.for('cachegate.coldStartBench')](${JSON.stringify(name)}, performance.now() - started, (used.user + used.system) / 1000, outcome);
  };
  try {
    const result = await bundled(event, context);
    report('ok');
    return result;
  } catch (error) {
    report(error?.name ?? 'Error');
    throw error;
  }
}`;

registerHooks({
  resolve(specifier, context, next) {
    const resolved = next(specifier, context);
    const name = HANDLER.exec(resolved.url)?.[1];
    return name && bundles[name] ? { ...resolved, url: resolved.url + WRAPPED } : resolved;
  },
  load(url, context, next) {
    if (!url.endsWith(WRAPPED)) return next(url, context);
    const name = HANDLER.exec(url.slice(0, -WRAPPED.length))[1];
    return { format: 'module', source: wrapper(name), shortCircuit: true };
  },
});

try {
  const { runDemo } = await import('../dist/local/demo.js');
  await runDemo({ fast: true });
} finally {
  writeFileSync(outFile, JSON.stringify(firstCalls));
}

// Child of bench/cold-start.mjs: runs the demo (`cachegate demo --fast`, every workflow on the
// sandbox) with each function's handler replaced by its synthesized bundle, and records how long
// each function's first invocation takes, in wall and CPU time. That first invocation runs in a
// process of its own (bench/first-call-isolated.mjs) whose AWS calls come back to this process's
// sandbox, so its CPU time is the function's alone; the calls after it run here.
// Usage: node bench/cold-start-demo.mjs <bundles.json: name -> index.mjs> <out.json>
import { readFileSync, writeFileSync } from 'node:fs';
import { registerHooks } from 'node:module';
import { pathToFileURL } from 'node:url';

const [bundlesFile, outFile] = process.argv.slice(2);
const bundles = JSON.parse(readFileSync(bundlesFile, 'utf8'));
const firstCalls = {};
const REPORT = Symbol.for('cachegate.coldStartBench');
globalThis[REPORT] = (name, call) => (firstCalls[name] ??= call);

const HANDLER = /\/dist\/functions\/([a-z0-9-]+)\/handler\.js$/;
const WRAPPED = '?cold-start-bundle';

const ISOLATED = new URL('./first-call-isolated.mjs', import.meta.url).href;

/** A module standing in for dist/functions/<name>/handler.js: the bundle, first call in a process of its own. */
const wrapper = (name) => `
import { handler as bundled } from ${JSON.stringify(pathToFileURL(bundles[name]).href)};
import { firstCallInChild } from ${JSON.stringify(ISOLATED)};
let first = true;
export async function handler(event, context) {
  if (!first) return bundled(event, context);
  first = false;
  const call = await firstCallInChild(${JSON.stringify({ name, bundle: bundles[name] })}, event, context);
  globalThis[Symbol.for('cachegate.coldStartBench')](${JSON.stringify(name)}, {
    firstCallMs: call.firstCallMs,
    firstCallCpuMs: call.firstCallCpuMs,
    keyGenerationCpuMs: call.keyGenerationCpuMs,
    outcome: call.outcome,
    detail: call.error?.message,
  });
  if (call.error) throw call.error;
  return call.result;
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

// Child of bench/cold-start.mjs, for the functions the demo never invokes (a schedule's starter, a
// server-certificate renewal, a rotation that fails, an approval that times out...): runs the
// workflow tests that reach them, with jest resolving every `functions/<name>/handler.js` to a
// wrapper around the function's synthesized bundle whose first invocation runs in a process of its
// own (bench/first-call-isolated.mjs), timed there. Each test file has its own module registry, so
// each file has a first call; the best is kept.
// Usage: node bench/cold-start-tests.mjs <bundles.json: name -> index.mjs> <out.json> <test...>
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const [bundlesFile, outFile, ...tests] = process.argv.slice(2);
const bundles = JSON.parse(readFileSync(bundlesFile, 'utf8'));
const root = fileURLToPath(new URL('..', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'cachegate-cold-start-tests-'));
const calls = join(work, 'calls.jsonl');

const ISOLATED = pathToFileURL(join(root, 'bench', 'first-call-isolated.mjs')).href;

/** Stands in for functions/<name>/handler: the bundle, its first call in a process of its own. */
const wrapper = (name) => `
import { appendFileSync } from 'node:fs';
import { handler as bundled } from ${JSON.stringify(pathToFileURL(bundles[name]).href)};
import { firstCallInChild } from ${JSON.stringify(ISOLATED)};
let first = true;
export async function handler(event, context) {
  if (!first) return bundled(event, context);
  first = false;
  const call = await firstCallInChild(${JSON.stringify({ name, bundle: bundles[name] })}, event, context);
  appendFileSync(${JSON.stringify(calls)}, JSON.stringify({
    name: ${JSON.stringify(name)},
    firstCallMs: call.firstCallMs,
    firstCallCpuMs: call.firstCallCpuMs,
    keyGenerationCpuMs: call.keyGenerationCpuMs,
    outcome: call.outcome,
    detail: call.error?.message,
  }) + '\\n');
  if (call.error) throw call.error;
  return call.result;
}`;

try {
  for (const name of Object.keys(bundles)) writeFileSync(join(work, `${name}.mjs`), wrapper(name));
  const { default: base } = await import(pathToFileURL(join(root, 'jest.config.js')).href);
  const config = join(work, 'jest.config.mjs');
  writeFileSync(
    config,
    `export default ${JSON.stringify({
      ...base,
      rootDir: root,
      // First, so that it wins over the project's `.js` → `.ts` mapping.
      moduleNameMapper: {
        [`^(?:\\.{1,2}/)+functions/(${Object.keys(bundles).join('|')})/handler(?:\\.js)?$`]: `${work}/$1.mjs`,
        ...base.moduleNameMapper,
      },
    })};`,
  );
  const r = spawnSync(
    process.execPath,
    [join(root, 'node_modules', 'jest', 'bin', 'jest.js'), '--config', config, '--maxWorkers=1', ...tests],
    {
      cwd: root,
      env: { ...process.env, NODE_OPTIONS: '--experimental-vm-modules --no-warnings' },
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    },
  );
  // A failing test still gives the first calls it made; its output says which one failed.
  if (r.status !== 0) console.error(`jest ended with ${r.status}:\n${r.stderr.slice(-3000)}`);
  const best = {};
  const ownCpu = (call) => call.firstCallCpuMs - (call.keyGenerationCpuMs ?? 0);
  const lines = existsSync(calls) ? readFileSync(calls, 'utf8').trim().split('\n').filter(Boolean) : [];
  for (const call of lines.map((line) => JSON.parse(line))) {
    const seen = best[call.name];
    if (!seen || (call.outcome === 'ok' && (seen.outcome !== 'ok' || ownCpu(call) < ownCpu(seen))))
      best[call.name] = call;
  }
  writeFileSync(outFile, JSON.stringify(best));
} finally {
  rmSync(work, { recursive: true, force: true });
}

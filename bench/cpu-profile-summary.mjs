// Where a function's cold start goes: reads the V8 CPU profiles `node bench/cold-start.mjs
// --cpu-prof <dir>` wrote (one per first-call process) and prints, per function, the sampled time
// of the import and of the first call, each split by where the code comes from: the bundle's
// original sources (through its source map: `zod`, `@aws-sdk/client-dynamodb`, `functions/core/...`),
// Node's own modules, V8's compiler and garbage collector.
// Usage: node bench/cpu-profile-summary.mjs <dir> [--top 12] [--files] [--interval 100]
import { readFileSync, readdirSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    top: { type: 'string', default: '12' },
    files: { type: 'boolean', default: false },
    interval: { type: 'string', default: '100' }, // µs: the bench's --cpu-prof-interval
  },
});
const [dir] = positionals;
const maps = new Map();

function sourceMapOf(url) {
  if (!maps.has(url)) {
    try {
      maps.set(url, new SourceMap(JSON.parse(readFileSync(`${fileURLToPath(url)}.map`, 'utf8'))));
    } catch {
      maps.set(url, undefined);
    }
  }
  return maps.get(url);
}

/** A source file reduced to its package (node_modules) or, with --files, kept whole. */
function origin(path) {
  const modules = path.lastIndexOf('node_modules/');
  if (modules >= 0 && !values.files) {
    const rest = path.slice(modules + 'node_modules/'.length).split('/');
    return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
  }
  return path.replace(/^(\.\.\/)+/, '');
}

function where({ url, functionName, lineNumber, columnNumber }) {
  if (!url) return functionName; // (program), (garbage collector), (idle), (root)
  if (url.startsWith('node:')) return values.files ? url : 'node: built-in modules';
  const map = url.endsWith('index.mjs') ? sourceMapOf(url) : undefined;
  const entry = map?.findEntry(lineNumber, columnNumber);
  return entry?.originalSource ? origin(entry.originalSource) : url;
}

const ms = (us) => (us / 1000).toFixed(1);
for (const file of readdirSync(dir)
  .filter((f) => f.endsWith('.cpuprofile'))
  .sort()) {
  const name = file.slice(0, -'.cpuprofile'.length);
  const profile = JSON.parse(readFileSync(join(dir, file), 'utf8'));
  let callStartUs = Infinity;
  try {
    ({ callStartUs } = JSON.parse(readFileSync(join(dir, `${name}.phases.json`), 'utf8')));
  } catch {
    // no phases: everything counts as the import
  }
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const totals = { import: new Map(), call: new Map() };
  // Each sample stands for one sampling interval of running code. Not the gap to the next sample:
  // on a loaded machine that gap holds the time the process waited for a core, and one sample
  // would take it all.
  const intervalUs = (profile.endTime - profile.startTime) / profile.samples.length;
  const interval = Math.min(intervalUs, Number(values.interval));
  let t = profile.startTime;
  profile.samples.forEach((id, i) => {
    t += profile.timeDeltas[i];
    const phase = t < callStartUs ? totals.import : totals.call;
    const key = where(nodes.get(id).callFrame);
    phase.set(key, (phase.get(key) ?? 0) + interval);
  });
  console.log(`\n${name}`);
  for (const [phase, table] of Object.entries(totals)) {
    const rows = [...table].filter(([k]) => k !== '(idle)').sort((a, b) => b[1] - a[1]);
    const sum = rows.reduce((s, [, v]) => s + v, 0);
    console.log(`  ${phase}: ${ms(sum)} ms (samples × interval, idle excluded)`);
    for (const [k, v] of rows.slice(0, Number(values.top))) console.log(`    ${ms(v).padStart(7)}  ${k}`);
  }
}

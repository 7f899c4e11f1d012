// Benchmark: the cold start of every Lambda, as AWS would run it. Synthesizes the CDK app (so each
// function is the bundle CDK's esbuild makes for it), discovers the functions in the template,
// then measures per function:
//   import      a fresh `node` importing the bundle, minus a bare `node -e 0` in the same run
//               (best of --rounds each, interleaved);
//   first call  the function's first invocation in the demo (`cachegate demo --fast`, every
//               workflow on the sandbox), served by its synthesized bundle instead of dist/
//               (bench/cold-start-demo.mjs).
// cold = import + first call, the budget is 150 ms. A function the demo never invokes shows no
// first call. Needs Node.js >= 22.15 (module.registerHooks); run it on the Lambda major (.nvmrc).
// Usage: node bench/cold-start.mjs [--rounds 3] [--cdk-out dir] [--only a,b] [--markdown]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import nodeModule from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { build } from '../scripts/build.mjs';

const BUDGET_MS = 150;
const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    'cdk-out': { type: 'string' },
    only: { type: 'string' },
    markdown: { type: 'boolean', default: false },
  },
});
if (typeof nodeModule.registerHooks !== 'function') {
  console.error(
    `bench/cold-start.mjs needs Node.js >= 22.15 (module.registerHooks); this is ${process.version}`,
  );
  process.exit(2);
}
const rounds = Number(values.rounds);
const root = fileURLToPath(new URL('..', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'cachegate-cold-start-'));

/** The environment a deployed function sees that matters to start-up (no AWS credentials needed). */
const lambdaEnv = (fn) => ({
  PATH: process.env.PATH,
  AWS_REGION: 'us-east-1',
  AWS_LAMBDA_FUNCTION_NAME: `cachegate-${fn.name}`,
  AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memorySize),
  ...fn.environment,
});

function synth() {
  if (values['cdk-out']) return values['cdk-out'];
  const outdir = join(work, 'cdk.out');
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'infra/app.ts'], {
    cwd: root,
    env: { ...process.env, CDK_OUTDIR: outdir },
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.status !== 0) throw new Error(`cdk synth failed (${r.status}): ${r.stderr}`);
  return outdir;
}

/** Every cachegate function in the synthesized stacks, with its bundle (CDK's own asset). */
function discover(outdir) {
  const manifest = JSON.parse(readFileSync(join(outdir, 'manifest.json'), 'utf8'));
  const artifacts = Object.values(manifest.artifacts);
  const read = (file) => JSON.parse(readFileSync(join(outdir, file), 'utf8'));
  // The template names a function's code by its S3 key; the asset manifest maps that to a directory.
  const assetDirs = new Map();
  for (const artifact of artifacts.filter((a) => a.type === 'cdk:asset-manifest')) {
    for (const file of Object.values(read(artifact.properties.file).files ?? {})) {
      for (const destination of Object.values(file.destinations)) {
        assetDirs.set(destination.objectKey, file.source.path);
      }
    }
  }
  const functions = [];
  for (const artifact of artifacts.filter((a) => a.type === 'aws:cloudformation:stack')) {
    for (const resource of Object.values(read(artifact.properties.templateFile).Resources)) {
      const name = resource.Properties?.FunctionName;
      const asset = assetDirs.get(resource.Properties?.Code?.S3Key);
      if (resource.Type !== 'AWS::Lambda::Function' || typeof name !== 'string' || !asset) continue;
      if (!name.startsWith('cachegate-')) continue;
      // Values CloudFormation resolves at deploy time (table names, ARNs) are left to the local defaults.
      const variables = resource.Properties.Environment?.Variables ?? {};
      functions.push({
        name: name.slice('cachegate-'.length),
        bundle: join(outdir, asset, 'index.mjs'),
        memorySize: resource.Properties.MemorySize ?? 128,
        environment: Object.fromEntries(Object.entries(variables).filter(([, v]) => typeof v === 'string')),
      });
    }
  }
  const only = values.only?.split(',');
  return functions.filter((f) => !only || only.includes(f.name)).sort((a, b) => a.name.localeCompare(b.name));
}

/** Runs `node args`; its wall time from spawn to exit, and what it printed as JSON (if anything). */
function run(args, env) {
  const started = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { env, encoding: 'utf8' });
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
  if (r.status !== 0) throw new Error(`node ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return { wallMs, ...(r.stdout.trim() ? JSON.parse(r.stdout) : {}) };
}

// CPU time of the import itself and the memory the process holds after it.
const IMPORT = `const c = process.cpuUsage(); await import(process.argv[1]); const u = process.cpuUsage(c);
console.log(JSON.stringify({ cpuMs: (u.user + u.system) / 1000, rssMb: process.memoryUsage().rss / 2 ** 20 }));`;

function measureImports(functions) {
  const baseline = [];
  const imports = new Map(functions.map((f) => [f.name, []]));
  for (let round = 0; round < rounds; round += 1) {
    for (const fn of functions) {
      baseline.push(run(['-e', '0'], { PATH: process.env.PATH }).wallMs);
      const url = pathToFileURL(fn.bundle).href;
      imports.get(fn.name).push(run(['--input-type=module', '-e', IMPORT, url], lambdaEnv(fn)));
    }
  }
  const nodeMs = Math.min(...baseline);
  const best = (runs, key) => Math.min(...runs.map((r) => r[key]));
  const results = new Map(
    [...imports].map(([name, runs]) => [
      name,
      { overNodeMs: best(runs, 'wallMs') - nodeMs, cpuMs: best(runs, 'cpuMs'), rssMb: best(runs, 'rssMb') },
    ]),
  );
  return { nodeMs, results };
}

function measureFirstCalls(functions) {
  const bundles = join(work, 'bundles.json');
  const out = join(work, 'first-calls.json');
  writeFileSync(bundles, JSON.stringify(Object.fromEntries(functions.map((f) => [f.name, f.bundle]))));
  const r = spawnSync(process.execPath, [join(root, 'bench', 'cold-start-demo.mjs'), bundles, out], {
    cwd: root,
    env: {
      ...process.env,
      AWS_REGION: 'us-east-1',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    },
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.status !== 0)
    console.error(`demo ended with ${r.status}; first calls up to there:\n${r.stderr.slice(-2000)}`);
  return JSON.parse(readFileSync(out, 'utf8'));
}

const bundleKb = (fn) => readFileSync(fn.bundle).length / 1024;
const fmt = (ms) => (ms === undefined ? '—' : ms.toFixed(0));

try {
  await build();
  const outdir = synth();
  const functions = discover(outdir);
  if (functions.length === 0) throw new Error(`no cachegate function in ${outdir}`);
  const { nodeMs, results } = measureImports(functions);
  const firstCalls = measureFirstCalls(functions);
  const rows = functions.map((fn) => {
    const first = firstCalls[fn.name];
    const imported = results.get(fn.name);
    const cold = first ? imported.overNodeMs + first.firstCallMs : undefined;
    return { ...fn, kb: bundleKb(fn), imported, first, cold };
  });
  const coldOf = (r) => r.cold ?? r.imported.overNodeMs;
  rows.sort((a, b) => coldOf(b) - coldOf(a));
  const header = [
    'function',
    'MB',
    'bundle KB',
    'import',
    'import CPU',
    'RSS MB',
    'first call',
    'cold',
    `≤ ${BUDGET_MS} ms`,
  ];
  const lines = rows.map((r) => [
    r.name,
    String(r.memorySize),
    r.kb.toFixed(0),
    fmt(r.imported.overNodeMs),
    fmt(r.imported.cpuMs),
    fmt(r.imported.rssMb),
    r.first
      ? `${fmt(r.first.firstCallMs)}${r.first.outcome === 'ok' ? '' : ` (${r.first.outcome})`}`
      : 'not in demo',
    fmt(r.cold),
    coldOf(r) <= BUDGET_MS ? 'yes' : 'NO',
  ]);
  console.log(
    `Node ${process.version}; node -e 0: ${nodeMs.toFixed(0)} ms (best of ${rounds * functions.length}); ` +
      `import = best of ${rounds} minus that; ms`,
  );
  if (values.markdown) {
    console.log(`| ${header.join(' | ')} |\n| ${header.map(() => '---').join(' | ')} |`);
    for (const line of lines) console.log(`| ${line.join(' | ')} |`);
  } else {
    const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
    for (const line of [header, ...lines]) console.log(line.map((c, i) => c.padEnd(widths[i])).join('  '));
  }
  const colds = rows.map(coldOf).sort((a, b) => a - b);
  const over = rows.filter((r) => coldOf(r) > BUDGET_MS).length;
  console.log(
    `${rows.length} functions; cold median ${fmt(colds[Math.floor(colds.length / 2)])} ms, ` +
      `max ${fmt(colds.at(-1))} ms; ${over} over ${BUDGET_MS} ms; ` +
      `${rows.filter((r) => !r.first).length} not invoked by the demo (import only)`,
  );
} finally {
  rmSync(work, { recursive: true, force: true });
}

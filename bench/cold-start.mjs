// Benchmark: the cold start of every Lambda, as AWS would run it. Synthesizes the CDK app (so each
// function is the bundle CDK's esbuild makes for it), discovers the functions in the template,
// then measures per function, in CPU time and in wall time:
//   import      a fresh `node` importing the bundle: its CPU time inside that child, and its wall
//               time minus a bare `node -e` in the same run (best of --rounds each, interleaved);
//   first call  the function's first invocation, run by its synthesized bundle in a process of its
//               own whose AWS calls go back to the sandbox (bench/first-call-isolated.mjs): in the
//               demo (`cachegate demo --fast`, bench/cold-start-demo.mjs), and for the functions
//               the demo never invokes, in the workflow tests that reach them
//               (bench/cold-start-tests.mjs; skipped with --demo-only).
// cold = import + first call, the budget is 150 ms over Node's start. Load averages are printed
// with the figures: on a loaded machine the CPU times hold, the wall times do not.
// Needs Node.js >= 22.15 (module.registerHooks); run it on the Lambda major (.nvmrc).
// --cpu-prof <dir> writes a V8 CPU profile of each first-call process (import and call) there, for
// bench/cpu-profile-summary.mjs.
// Each function's first call is the best of --call-rounds runs of the demo (and of the tests).
// Usage: node bench/cold-start.mjs [--rounds 3] [--call-rounds 3] [--cdk-out dir] [--only a,b]
//                                  [--markdown] [--demo-only] [--cpu-prof dir]
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import nodeModule from 'node:module';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { build as esbuild } from 'esbuild';
import { build } from '../scripts/build.mjs';

const BUDGET_MS = 150;
const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    'call-rounds': { type: 'string', default: '3' },
    'cdk-out': { type: 'string' },
    only: { type: 'string' },
    markdown: { type: 'boolean', default: false },
    'demo-only': { type: 'boolean', default: false },
    'cpu-prof': { type: 'string' },
  },
});
if (typeof nodeModule.registerHooks !== 'function') {
  console.error(
    `bench/cold-start.mjs needs Node.js >= 22.15 (module.registerHooks); this is ${process.version}`,
  );
  process.exit(2);
}
const rounds = Number(values.rounds);
const callRounds = Number(values['call-rounds']);
const profiles = values['cpu-prof'] && resolve(values['cpu-prof']);
if (profiles) mkdirSync(profiles, { recursive: true });
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

// A bare Node.js: its start-up's CPU time (process.cpuUsage() counts from the process's start).
const NODE_CPU = `const u = process.cpuUsage(); console.log(JSON.stringify({ cpuMs: (u.user + u.system) / 1000 }));`;

// CPU time of the import itself and the memory the process holds after it.
const IMPORT = `const c = process.cpuUsage(); await import(process.argv[1]); const u = process.cpuUsage(c);
console.log(JSON.stringify({ cpuMs: (u.user + u.system) / 1000, rssMb: process.memoryUsage().rss / 2 ** 20 }));`;

/**
 * The floor no function goes below: a bundle of what every function carries whatever its code
 * (the SDK with one DynamoDB command, zod/mini and its English messages, the Powertools Logger,
 * middy), built with the Lambda bundles' esbuild options. Its import time in the same run shows
 * how fast the machine is: these shared cores swing by a third over a day, more than most changes
 * move a function.
 */
async function floorBundle() {
  const entry = join(work, 'floor.mjs');
  writeFileSync(
    entry,
    `import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { Logger } from '@aws-lambda-powertools/logger';
import middy from '@middy/core';
import * as z from 'zod/mini';
import en from 'zod/v4/locales/en.js';
z.config(en());
export const floor = [DynamoDBClient, GetItemCommand, Logger, middy, z.object({ id: z.string() })];`,
  );
  const outfile = join(work, 'floor', 'index.mjs');
  await esbuild({
    entryPoints: [entry],
    outfile,
    absWorkingDir: root,
    nodePaths: [join(root, 'node_modules')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node24',
    minify: true,
    keepNames: false,
    mainFields: ['module', 'main'],
    alias: { '@aws-sdk/credential-provider-node': join(root, 'functions', 'aws', 'lambda-credentials.ts') },
    banner: { js: "import { createRequire } from 'module'; const require = createRequire(import.meta.url);" },
    logLevel: 'error',
  });
  return { name: '(floor)', bundle: outfile, memorySize: 256, environment: {} };
}

function measureImports(functions, floor) {
  const baseline = [];
  const imports = new Map([floor, ...functions].map((f) => [f.name, []]));
  for (let round = 0; round < rounds; round += 1) {
    for (const fn of [floor, ...functions]) {
      baseline.push(run(['-e', NODE_CPU], { PATH: process.env.PATH }));
      const url = pathToFileURL(fn.bundle).href;
      imports.get(fn.name).push(run(['--input-type=module', '-e', IMPORT, url], lambdaEnv(fn)));
    }
  }
  const nodeMs = Math.min(...baseline.map((b) => b.wallMs));
  const nodeCpuMs = Math.min(...baseline.map((b) => b.cpuMs));
  const best = (runs, key) => Math.min(...runs.map((r) => r[key]));
  const results = new Map(
    [...imports].map(([name, runs]) => [
      name,
      { overNodeMs: best(runs, 'wallMs') - nodeMs, cpuMs: best(runs, 'cpuMs'), rssMb: best(runs, 'rssMb') },
    ]),
  );
  return { nodeMs, nodeCpuMs, results };
}

/** Runs a first-call child (the demo, or workflow tests) with `functions` served by their bundles. */
function firstCallsFrom(script, functions, args, label) {
  const bundles = join(work, `${label}-bundles.json`);
  const out = join(work, `${label}-first-calls.json`);
  writeFileSync(bundles, JSON.stringify(Object.fromEntries(functions.map((f) => [f.name, f.bundle]))));
  const r = spawnSync(process.execPath, [join(root, 'bench', script), bundles, out, ...args], {
    cwd: root,
    env: {
      ...process.env,
      AWS_REGION: 'us-east-1',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      ...(profiles && { COLD_START_CPU_PROF: profiles }),
    },
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.status !== 0)
    console.error(`${label} ended with ${r.status}; first calls up to there:\n${r.stderr.slice(-2000)}`);
  return JSON.parse(readFileSync(out, 'utf8'));
}

/**
 * The workflow tests that reach what the demo does not: rotate-all and a failed rotation, the
 * server-certificate renewal, a failed certificate issue, finish-migration, an approval that
 * times out, the IAM approval route, the schedule starter, the posture audit, expiry notices,
 * the Secrets Manager rotation function, and the AUTH-token rotation.
 */
const FIRST_CALL_TESTS = [
  'test/workflows/rotate-all.test.ts',
  'test/workflows/rotate-password.test.ts',
  'test/workflows/renew-server-certificate.test.ts',
  'test/workflows/issue-certificate.test.ts',
  'test/workflows/migrate-to-rbac-redis.test.ts',
  'test/workflows/access-request.test.ts',
  'test/cli/approve-aws.test.ts',
  'test/workflows/start-scheduled-workflow.test.ts',
  'test/workflows/audit-posture.test.ts',
  'test/workflows/notify-certificate-expiry.test.ts',
  'test/workflows/rotate-secret.test.ts',
  'test/workflows/rotate-auth-token.test.ts',
];

/** The better of two first calls of a function: a successful one, then the least CPU besides key generation. */
const ownCpu = (call) => call.firstCallCpuMs - (call.keyGenerationCpuMs ?? 0);
const better = (a, b) =>
  !a || (b.outcome === 'ok' && (a.outcome !== 'ok' || ownCpu(b) < ownCpu(a))) ? b : a;

/** Best of --call-rounds runs of the demo, then of the tests for what the demo never invokes. */
function measureFirstCalls(functions) {
  const best = {};
  const keep = (calls, source) => {
    for (const [name, call] of Object.entries(calls)) best[name] = better(best[name], { ...call, source });
  };
  for (let round = 0; round < callRounds; round += 1)
    keep(firstCallsFrom('cold-start-demo.mjs', functions, [], 'demo'), 'demo');
  const rest = functions.filter((f) => !best[f.name]);
  if (rest.length === 0 || values['demo-only']) return best;
  for (let round = 0; round < callRounds; round += 1)
    keep(firstCallsFrom('cold-start-tests.mjs', rest, FIRST_CALL_TESTS, 'tests'), 'tests');
  return best;
}

const bundleKb = (fn) => readFileSync(fn.bundle).length / 1024;
const fmt = (ms) => (ms === undefined ? '—' : ms.toFixed(0));

try {
  await build();
  const outdir = synth();
  const functions = discover(outdir);
  if (functions.length === 0) throw new Error(`no cachegate function in ${outdir}`);
  const loadStart = loadavg();
  const { nodeMs, nodeCpuMs, results } = measureImports(functions, await floorBundle());
  const floorCpuMs = results.get('(floor)').cpuMs;
  const loadImports = loadavg();
  const firstCalls = measureFirstCalls(functions);
  const rows = functions.map((fn) => {
    const first = firstCalls[fn.name];
    const imported = results.get(fn.name);
    // RSA key generation is work the caller asked for, not start-up: reported, and left out of cold.
    const keyGen = first?.keyGenerationCpuMs ?? 0;
    const coldCpu = imported.cpuMs + (first?.firstCallCpuMs ?? 0) - keyGen;
    const coldWall = imported.overNodeMs + (first?.firstCallMs ?? 0) - keyGen;
    return { ...fn, kb: bundleKb(fn), imported, first, coldCpu, coldWall };
  });
  rows.sort((a, b) => b.coldCpu - a.coldCpu);
  const header = [
    'function',
    'MB',
    'bundle KB',
    'import CPU',
    'first call CPU',
    'RSA keygen CPU',
    'cold CPU',
    `≤ ${BUDGET_MS}`,
    'import wall',
    'first call wall',
    'cold wall',
    `≤ ${BUDGET_MS}`,
    'RSS MB',
    'first call from',
  ];
  const verdict = (ms) => (ms <= BUDGET_MS ? 'yes' : 'NO');
  const lines = rows.map((r) => [
    r.name,
    String(r.memorySize),
    r.kb.toFixed(0),
    fmt(r.imported.cpuMs),
    fmt(r.first?.firstCallCpuMs),
    r.first?.keyGenerationCpuMs ? fmt(r.first.keyGenerationCpuMs) : '',
    fmt(r.coldCpu),
    verdict(r.coldCpu),
    fmt(r.imported.overNodeMs),
    fmt(r.first?.firstCallMs),
    fmt(r.coldWall),
    verdict(r.coldWall),
    fmt(r.imported.rssMb),
    r.first
      ? `${r.first.source}${r.first.outcome === 'ok' ? '' : ` (${r.first.outcome})`}`
      : 'none (import only)',
  ]);
  const load = (l) => l.map((x) => x.toFixed(2)).join(' ');
  console.log(
    `Node ${process.version}; ${cpus().length} CPUs; load average at start ${load(loadStart)}, ` +
      `after the imports ${load(loadImports)}, at the end ${load(loadavg())}`,
  );
  console.log(
    `node -e 0: ${nodeMs.toFixed(0)} ms wall (best of ${rounds * functions.length}), ${nodeCpuMs.toFixed(0)} ms CPU; ` +
      `import = best of ${rounds}: CPU inside the child, wall minus node -e 0; first call = best of ${callRounds}: ` +
      `first call: CPU of the function's own process during the call (the sandbox answers from the bench's); ` +
      `cold = import + first call − RSA key generation; ms`,
  );
  console.log(
    `floor (a bundle of the SDK's DynamoDB client, zod, the Logger and middy, built alike): ` +
      `${floorCpuMs.toFixed(0)} ms import CPU in this run; compare runs by it (docs/cold-start.md)`,
  );
  if (profiles)
    console.log(
      `--cpu-prof: the first calls ran under V8's sampling profiler, whose thread counts in their CPU time; ` +
        `compare these figures only with another profiled run`,
    );
  if (values.markdown) {
    console.log(`| ${header.join(' | ')} |\n| ${header.map(() => '---').join(' | ')} |`);
    for (const line of lines) console.log(`| ${line.join(' | ')} |`);
  } else {
    const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
    for (const line of [header, ...lines]) console.log(line.map((c, i) => c.padEnd(widths[i])).join('  '));
  }
  for (const r of rows.filter((row) => row.first && row.first.outcome !== 'ok'))
    console.log(
      `first call of ${r.name} (${r.first.source}) ended with ${r.first.outcome}: ${r.first.detail}`,
    );
  const median = (xs) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const over = (key) => rows.filter((r) => r[key] > BUDGET_MS).length;
  console.log(
    `${rows.length} functions, ${rows.filter((r) => r.first).length} with a first call; ` +
      `cold CPU median ${fmt(median(rows.map((r) => r.coldCpu)))} ms, max ${fmt(Math.max(...rows.map((r) => r.coldCpu)))} ms, ` +
      `${over('coldCpu')} over ${BUDGET_MS}; cold wall median ${fmt(median(rows.map((r) => r.coldWall)))} ms, ` +
      `${over('coldWall')} over ${BUDGET_MS}`,
  );
} finally {
  rmSync(work, { recursive: true, force: true });
}

/**
 * `npm run mutate [-- <stryker options>]`: StrykerJS over the pure core (against the unit suites)
 * and the AWS adapters (against the unit and workflow suites), one after the other, then the
 * score per folder. See stryker.config.mjs and docs/testing.md.
 *
 *   npm run mutate                                         # both parts, incremental
 *   npm run mutate -- --mutate 'functions/core/rbac/**\/*.ts'  # only what matches (core part only)
 *   MUTATE_PART=aws npm run mutate                         # one part
 *   npm run mutate -- --scores                             # print the last scores, run nothing
 */
import { spawnSync } from 'node:child_process';
import { printScores } from './mutation-scores.js';

const PARTS = { core: 'functions/core/', aws: 'functions/aws/' } as const;
type Part = keyof typeof PARTS;
/** Never mutated (stryker.config.mjs says why); kept out of a narrowed `--mutate` too. */
const EXCLUDED: Record<Part, string[]> = {
  core: ['!functions/core/access-string/*-catalog.ts', '!functions/core/**/index.ts'],
  aws: [],
};

const args = process.argv.slice(2);
if (args.includes('--scores')) {
  if (printScores(Object.keys(PARTS)).length === 0) console.log('no report yet: run `npm run mutate`');
  process.exit(0);
}

const at = args.indexOf('--mutate');
const narrowed = at >= 0 ? (args[at + 1] ?? '').split(',').filter(Boolean) : undefined;
const rest = at >= 0 ? [...args.slice(0, at), ...args.slice(at + 2)] : args;
const requested = process.env.MUTATE_PART as Part | undefined;
if (requested !== undefined && !(requested in PARTS)) {
  console.error(`MUTATE_PART must be one of ${Object.keys(PARTS).join(', ')}`);
  process.exit(2);
}

let failed = false;
const ran: Part[] = [];
for (const part of Object.keys(PARTS) as Part[]) {
  if (requested !== undefined && part !== requested) continue;
  const globs = narrowed?.filter((glob) => glob.startsWith(PARTS[part]));
  if (narrowed && globs?.length === 0) continue;
  const mutate = globs ? ['--mutate', [...globs, ...EXCLUDED[part]].join(',')] : [];
  console.log(`\n== npm run mutate: ${part} (${PARTS[part]}**)`);
  const run = spawnSync('npx', ['stryker', 'run', ...mutate, ...rest], {
    stdio: 'inherit',
    env: { ...process.env, MUTATE_PART: part },
  });
  if (run.status !== 0) failed = true;
  ran.push(part);
}
if (ran.length === 0) {
  console.error(`--mutate matches neither ${Object.values(PARTS).join(' nor ')}`);
  process.exit(2);
}
printScores(ran);
process.exit(failed ? 1 : 0);

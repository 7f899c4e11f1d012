#!/usr/bin/env node
/**
 * `npm run chaos -- [--runs N] [--seed S] [--concurrency C] [--plant FAULT] [--redis-every K]`:
 * the chaos property test of one change per user (test/workflows/one-change-per-user-chaos.test.ts)
 * with more schedules than CI runs, another first seed, or a fault planted in cachegate
 * (offboard-without-claim, onboard-without-claim: the run passes only if a schedule catches it).
 * A failing schedule is replayed with `--seed <its seed> --runs 1`.
 */
import { spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '2000' },
    seed: { type: 'string', default: String(Date.now() % 1_000_000_000) },
    concurrency: { type: 'string', default: '16' },
    plant: { type: 'string', default: 'none' },
    'redis-every': { type: 'string', default: '1' },
  },
});
for (const name of ['runs', 'seed', 'concurrency', 'redis-every']) {
  if (!/^[0-9]+$/.test(values[name]) || Number(values[name]) < (name === 'seed' ? 0 : 1)) {
    process.stderr.write(`--${name}: must be a whole number${name === 'seed' ? '' : ' of at least 1'}\n`);
    process.exit(2);
  }
}
if (!['none', 'offboard-without-claim', 'onboard-without-claim'].includes(values.plant)) {
  process.stderr.write('--plant: none, offboard-without-claim or onboard-without-claim\n');
  process.exit(2);
}
process.stderr.write(`chaos: ${values.runs} schedules from seed ${values.seed}\n`);
const result = spawnSync(
  'npx',
  ['jest', '--maxWorkers=1', '--testTimeout=86400000', 'test/workflows/one-change-per-user-chaos.test.ts'],
  {
    stdio: 'inherit',
    env: {
      ...process.env,
      NODE_OPTIONS: '--experimental-vm-modules --no-warnings',
      CHAOS_RUNS: values.runs,
      CHAOS_SEED: values.seed,
      CHAOS_CONCURRENCY: values.concurrency,
      CHAOS_PLANT: values.plant,
      CHAOS_REDIS_EVERY: values['redis-every'],
    },
  },
);
process.exit(result.status ?? 1);

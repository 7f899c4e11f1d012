// Benchmark: rotate-all over N users on the embedded sandbox (the real ASL, the real handlers,
// 10 users at a time), and one rotate-password run. Prints the total time and the state
// transitions per user (target ≤ 15). Runs the transpiled dist/ (built first), not TypeScript.
// Usage: node bench/rotation-bench.mjs [--users 1000] [--speed 1000]
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { openBenchSandbox } from './sandbox-bench.mjs';

const { values } = parseArgs({
  options: { users: { type: 'string', default: '1000' }, speed: { type: 'string', default: '1000' } },
});
const users = Number(values.users);
const speed = Number(values.speed);

const { sandbox, LocalStateMachine, seedUserWithSecret } = await openBenchSandbox(speed);
sandbox.model('ElastiCache').quotas.usersPerAccount = users + 2;
for (let i = 0; i <= users; i += 1) {
  await seedUserWithSecret(sandbox, `bench-${i}`, {
    accessString: 'on ~app:* +@read',
    extraTags: { bench: i === users ? 'single' : 'all' },
  });
}

// The workflow's own states and those of each user's child execution (its Distributed Map).
const transitions = (run) =>
  [run, ...run.mapRuns.flatMap((m) => m.executions)]
    .flatMap((execution) => execution.events)
    .filter((e) => e.type === 'StateEntered').length;
// At high clock speed a 60 s Lambda timeout is a few real ms: give in-process handlers real time.
const options = { sandbox, lambdaTimeoutSeconds: 900 };

let started = performance.now();
const single = await LocalStateMachine.load('rotate-password', options).run({ userId: `bench-${users}` });
const singleMs = performance.now() - started;

started = performance.now();
const all = await LocalStateMachine.load('rotate-all', options).run({
  selector: { tag: { key: 'bench', value: 'all' } },
});
const allMs = performance.now() - started;
await sandbox.close();

if (single.status !== 'SUCCEEDED' || all.status !== 'SUCCEEDED') {
  throw new Error(`a run failed: ${single.status} ${all.status} ${all.cause ?? single.cause ?? ''}`);
}
const report = all.output;
const perUser = transitions(all) / users;
console.log(`sandbox clock: ${speed} simulated seconds per real second; Lambda handlers in-process`);
console.log(
  `rotate-password, 1 user:  ${singleMs.toFixed(0)} ms, ${transitions(single)} state transitions (target ≤ 15)`,
);
console.log(
  `rotate-all, ${users} users: ${(allMs / 1000).toFixed(1)} s, ${perUser.toFixed(1)} state transitions per user (target ≤ 15); ` +
    `rotated ${report.rotated}, failed ${report.failed}, skipped ${report.skipped}`,
);

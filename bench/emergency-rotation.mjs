// Benchmark: emergency rotation (rotate-all with emergency: true) of N users on the embedded
// sandbox with the default throttling model on (local/sandbox/throttling.ts), the real ASL and
// handlers. Prints the simulated time until the last user is rotated and its ratio to the bound
// the model allows: (mutating ElastiCache calls needed ÷ the bucket's rate) + one user
// modification latency. Runs dist/ (built first).
// Modifications take seeded draws from the documented `modifying` distribution
// (local/sandbox/modifying-latency.ts); the bound uses its mean. The simulated clock runs while
// handlers use real CPU, so a low speed keeps the machine's own time out of the figure.
// Usage: node bench/emergency-rotation.mjs [--users 1000] [--speed 5]
import { parseArgs } from 'node:util';
import { openBenchSandbox } from './sandbox-bench.mjs';

const { values } = parseArgs({
  options: { users: { type: 'string', default: '1000' }, speed: { type: 'string', default: '5' } },
});
const users = Number(values.users);
const speed = Number(values.speed);

const { sandbox, LocalStateMachine, seedUserWithSecret } = await openBenchSandbox(speed);
const { DEFAULT_THROTTLING } = await import('../dist/local/sandbox/throttling.js');
const { DEFAULT_MODIFYING_LATENCY, meanLatency } = await import('../dist/local/sandbox/modifying-latency.js');
const model = sandbox.model('ElastiCache');
model.quotas.usersPerAccount = users + 2;
model.useModifyingLatency(DEFAULT_MODIFYING_LATENCY);
for (let i = 0; i < users; i += 1) await seedUserWithSecret(sandbox, `urgent-${i}`);
sandbox.throttling.enable(DEFAULT_THROTTLING);
// When each ModifyUser got through: shows whether the calls came as fast as the bucket allows.
const modifyTimes = [];
const take = sandbox.throttling.take.bind(sandbox.throttling);
sandbox.throttling.take = (service, command) => {
  take(service, command);
  if (service === 'ElastiCache' && command === 'ModifyUser') modifyTimes.push(sandbox.clock.nowMs());
};

const started = sandbox.clock.nowMs();
const run = await LocalStateMachine.load('rotate-all', { sandbox, lambdaTimeoutSeconds: 900 }).run({
  selector: { all: true },
  requestedBy: 'bench',
  emergency: true,
});
const simulatedSeconds = (sandbox.clock.nowMs() - started) / 1000;
const admitted = sandbox.throttling.admitted.get('ElastiCache') ?? 0;
const throttled = sandbox.throttling.throttled.get('ElastiCache') ?? 0;
await sandbox.close();
if (run.status !== 'SUCCEEDED') {
  const failed = run.mapRuns.flatMap((m) => m.executions).find((e) => e && e.status === 'FAILED');
  if (failed) console.error(JSON.stringify(failed.events.slice(-6), null, 1).slice(0, 4000));
  throw new Error(`rotate-all ${run.status}: ${run.cause ?? ''}`);
}

const { ratePerSecond } = DEFAULT_THROTTLING.ElastiCache;
const modification = meanLatency(DEFAULT_MODIFYING_LATENCY.user) / 1000;
const bound = users / ratePerSecond + modification;
console.log(`emergency rotation of ${users} users, sandbox at ${speed}×, default throttling model`);
console.log(
  `rotated ${run.output.rotated}, failed ${run.output.failed}; ElastiCache mutating calls ${admitted} admitted, ${throttled} throttled`,
);
console.log(
  `simulated time to the last user: ${(simulatedSeconds / 60).toFixed(1)} min; bound ${(bound / 60).toFixed(1)} min ` +
    `(${users} ModifyUser ÷ ${ratePerSecond}/s + one ${modification.toFixed(1)} s modification, the mean) → ratio ${(simulatedSeconds / bound).toFixed(2)}×`,
);
const at = (ms) => `${((ms - started) / 1000).toFixed(0)} s`;
console.log(
  `ModifyUser admitted from ${at(modifyTimes[0])} to ${at(modifyTimes.at(-1))}; ` +
    `last user done ${(simulatedSeconds - (modifyTimes.at(-1) - started) / 1000).toFixed(0)} s after the last ModifyUser`,
);

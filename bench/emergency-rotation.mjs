// Benchmark: emergency rotation (rotate-all with emergency: true) of N users on the embedded
// sandbox with the default throttling model on (local/sandbox/throttling.ts), the real ASL and
// handlers. Prints the simulated time until the last user is rotated and its ratio to the bound
// the model allows: (mutating ElastiCache calls needed ÷ the bucket's rate) + one user
// modification latency. Runs dist/ (built first).
// Usage: node bench/emergency-rotation.mjs [--users 1000] [--speed 200]
import { parseArgs } from 'node:util';
import { openBenchSandbox } from './sandbox-bench.mjs';

const { values } = parseArgs({
  options: { users: { type: 'string', default: '1000' }, speed: { type: 'string', default: '200' } },
});
const users = Number(values.users);
const speed = Number(values.speed);

const { sandbox, LocalStateMachine, seedUserWithSecret } = await openBenchSandbox(speed);
const { DEFAULT_THROTTLING } = await import('../dist/local/sandbox/throttling.js');
const model = sandbox.model('ElastiCache');
model.quotas.usersPerAccount = users + 2;
for (let i = 0; i < users; i += 1) await seedUserWithSecret(sandbox, `urgent-${i}`);
sandbox.throttling.enable(DEFAULT_THROTTLING);

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
if (run.status !== 'SUCCEEDED') throw new Error(`rotate-all ${run.status}: ${run.cause ?? ''}`);

const { ratePerSecond } = DEFAULT_THROTTLING.ElastiCache;
const bound = users / ratePerSecond + model.delays.userModify / 1000;
console.log(`emergency rotation of ${users} users, sandbox at ${speed}×, default throttling model`);
console.log(
  `rotated ${run.output.rotated}, failed ${run.output.failed}; ElastiCache mutating calls ${admitted} admitted, ${throttled} throttled`,
);
console.log(
  `simulated time to the last user: ${(simulatedSeconds / 60).toFixed(1)} min; bound ${(bound / 60).toFixed(1)} min ` +
    `(${users} ModifyUser ÷ ${ratePerSecond}/s + one ${model.delays.userModify / 1000} s modification) → ratio ${(simulatedSeconds / bound).toFixed(2)}×`,
);

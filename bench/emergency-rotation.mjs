// Benchmark: emergency rotation (rotate-all with emergency: true) of N users on the embedded
// sandbox with the default throttling model on (local/sandbox/throttling.ts), the real ASL and
// handlers. Prints the simulated time until the last user is rotated and its ratio to the bound
// the model allows: (ModifyUser calls needed ÷ the bucket's rate) + one modification latency.
// Modifications take seeded draws from the documented `modifying` distribution
// (local/sandbox/modifying-latency.ts); the bound uses its mean. Meanwhile a client keeps
// authenticating as every 25th user with the secret's AWSCURRENT (a lockout would show), and the
// largest password list any user ever held is recorded. The simulated clock runs while handlers
// use real CPU (one process), so a low speed keeps the machine's own time out of the figure.
// --json prints the figures and the invariants' evidence for the CI test
// (test/bench/benches.test.ts). Runs dist/ (built first).
// Usage: node bench/emergency-rotation.mjs [--users 1000] [--speed 5] [--json]
import { parseArgs } from 'node:util';
import { openBenchSandbox, warmHandlers } from './sandbox-bench.mjs';

const { values } = parseArgs({
  options: {
    users: { type: 'string', default: '1000' },
    speed: { type: 'string', default: '5' },
    json: { type: 'boolean', default: false },
  },
});
const users = Number(values.users);
const speed = Number(values.speed);

const { sandbox, LocalStateMachine, seedUserWithSecret } = await openBenchSandbox(speed);
const { DEFAULT_THROTTLING } = await import('../dist/local/sandbox/throttling.js');
const { DEFAULT_MODIFYING_LATENCY, meanLatency } = await import('../dist/local/sandbox/modifying-latency.js');
const model = sandbox.model('ElastiCache');
model.quotas.usersPerAccount = users + 2;
model.useModifyingLatency(DEFAULT_MODIFYING_LATENCY);

// What each user's passwords are once a change settles (the model's hook), as in the rotation tests.
const passwords = new Map();
let maxPasswords = 0;
model.onUserChanged = (user, list) => {
  if (user.UserName === 'default') return;
  maxPasswords = Math.max(maxPasswords, list.length);
  passwords.set(user.UserName, list);
};
const watched = [];
for (let i = 0; i < users; i += 1) {
  const userId = `urgent-${i}`;
  const { secretArn, password } = await seedUserWithSecret(sandbox, userId);
  passwords.set(userId, [password]);
  if (i % 25 === 0) watched.push({ userId, secretArn });
}

// A client that keeps reading AWSCURRENT and authenticating with it while the rotation runs.
const lockouts = [];
let authentications = 0;
let clientRunning = true;
const authenticateAll = async () => {
  await model.settle();
  for (const { userId, secretArn } of watched) {
    const secret = await sandbox.dispatch('Secrets Manager', 'GetSecretValue', {
      SecretId: secretArn,
      VersionStage: 'AWSCURRENT',
    });
    const { username, password } = JSON.parse(secret.SecretString);
    authentications += 1;
    if (!(passwords.get(username) ?? []).includes(password))
      lockouts.push(`${userId}: AWSCURRENT ${secret.VersionId} is not among the user's passwords`);
  }
};
const client = (async () => {
  while (clientRunning) {
    await authenticateAll();
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
})();

sandbox.throttling.enable(DEFAULT_THROTTLING);
// When each ModifyUser got through: shows whether the calls came as fast as the bucket allows.
const modifyTimes = [];
const take = sandbox.throttling.take.bind(sandbox.throttling);
sandbox.throttling.take = (service, command, ...where) => {
  take(service, command, ...where);
  if (service === 'ElastiCache' && command === 'ModifyUser') modifyTimes.push(sandbox.clock.nowMs());
};

await warmHandlers('rotate-all');
// Loaded (and validated) before the clock starts: on AWS the state machine exists already.
const machine = LocalStateMachine.load('rotate-all', { sandbox, lambdaTimeoutSeconds: 900 });
const started = sandbox.clock.nowMs();
const run = await machine.run({
  selector: { all: true },
  requestedBy: 'bench',
  emergency: true,
});
const simulatedSeconds = (sandbox.clock.nowMs() - started) / 1000;
clientRunning = false;
await client;
await authenticateAll();
const admitted = sandbox.throttling.admitted.get('ElastiCache') ?? 0;
const throttled = sandbox.throttling.throttled.get('ElastiCache') ?? 0;
const mapRun = run.mapRuns[0];
await sandbox.close();
if (run.status !== 'SUCCEEDED') {
  const failed = run.mapRuns.flatMap((m) => m.executions).find((e) => e && e.status === 'FAILED');
  if (failed) console.error(JSON.stringify(failed.events.slice(-6), null, 1).slice(0, 4000));
  throw new Error(`rotate-all ${run.status}: ${run.cause ?? ''}`);
}

const { ratePerSecond } = DEFAULT_THROTTLING.ElastiCache;
const modification = meanLatency(DEFAULT_MODIFYING_LATENCY.user) / 1000;
const bound = users / ratePerSecond + modification;
const report = run.output;
const result = {
  users,
  speed,
  simulatedSeconds,
  boundSeconds: bound,
  ratio: simulatedSeconds / bound,
  rotated: report.rotated,
  failed: report.failed,
  reported: report.users.length,
  notRotated: report.users.filter((u) => u.status !== 'rotated' && u.userId !== 'default'),
  lockouts,
  authentications,
  maxPasswords,
  modifyUserAdmitted: admitted,
  throttled,
  peakConcurrency: mapRun?.peakConcurrency ?? 0,
  childExecutions: mapRun?.executions.length ?? 0,
  firstModifySeconds: (modifyTimes[0] - started) / 1000,
  lastModifySeconds: (modifyTimes.at(-1) - started) / 1000,
};
if (values.json) {
  console.log(JSON.stringify(result));
} else {
  console.log(`emergency rotation of ${users} users, sandbox at ${speed}×, default throttling model`);
  console.log(
    `rotated ${result.rotated}, failed ${result.failed}; ElastiCache mutating calls ${admitted} admitted, ${throttled} throttled; ` +
      `${result.peakConcurrency} users in flight at most`,
  );
  console.log(
    `clients authenticated ${authentications} times, ${lockouts.length} lockouts; at most ${maxPasswords} passwords per user`,
  );
  console.log(
    `simulated time to the last user: ${(simulatedSeconds / 60).toFixed(1)} min; bound ${(bound / 60).toFixed(1)} min ` +
      `(${users} ModifyUser ÷ ${ratePerSecond}/s + one ${modification.toFixed(1)} s modification, the mean) → ratio ${result.ratio.toFixed(2)}×`,
  );
  console.log(
    `ModifyUser admitted from ${result.firstModifySeconds.toFixed(0)} s to ${result.lastModifySeconds.toFixed(0)} s; ` +
      `last user done ${(simulatedSeconds - result.lastModifySeconds).toFixed(0)} s after the last ModifyUser`,
  );
}

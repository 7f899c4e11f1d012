// Benchmark: revocation across regions and accounts. Revokes one certificate whose holder is
// connected to every endpoint (20 by default: 8 in the sandbox's own region, 6 in another region,
// 6 in another account reached through an assumable role), with the default EC2 throttling model
// on, and measures the simulated time from the revoke request until the last endpoint enforces
// it: the new CRL active there AND the holder's sessions ended. The bound is the slowest single
// endpoint's import (from import to active): full parallelism means a ratio near 1.
// --down <region> takes one region down for the whole run: its endpoints must be reported behind
// (after retries) while the others enforce without waiting for them. --json prints the figures
// and the invariants' evidence for the CI test (test/bench/benches.test.ts). Runs dist/.
// Usage: node bench/revocation-latency.mjs [--endpoints 20] [--speed 5] [--down <region>] [--json]
import { parseArgs } from 'node:util';
import { openBenchSandbox, warmHandlers } from './sandbox-bench.mjs';

const { values } = parseArgs({
  options: {
    endpoints: { type: 'string', default: '20' },
    speed: { type: 'string', default: '5' },
    down: { type: 'string' },
    json: { type: 'boolean', default: false },
  },
});
const total = Number(values.endpoints);
if (!Number.isInteger(total) || total < 3) throw new Error('--endpoints: at least 3 (one per region)');
const speed = Number(values.speed);

const { sandbox, LocalStateMachine } = await openBenchSandbox(speed);
const { MemoryCrlAuthority } = await import('../dist/local/sandbox/memory-crl-authority.js');
const { placeEndpoints } = await import('../dist/local/sandbox/regional-endpoints.js');
const { setCrlAuthority } = await import('../dist/functions/aws/crl-authority.js');
const { DEFAULT_THROTTLING } = await import('../dist/local/sandbox/throttling.js');

// How long an imported CRL stays `pending` is not documented: ASSUMED per region here (the
// sandbox's default is 60 s), different so that the slowest endpoint is a real maximum.
const second = Math.round(total * 0.3);
const layout = [
  { region: sandbox.region, endpoints: total - 2 * second, delays: { crlActivation: 60_000 } },
  { region: 'eu-west-1', endpoints: second, delays: { crlActivation: 75_000 } },
  {
    region: 'ap-southeast-2',
    accountId: '222222222222',
    endpoints: second,
    delays: { crlActivation: 90_000 },
  },
];
const authority = await MemoryCrlAuthority.create('Ops VPN CA', sandbox.clock.now());
setCrlAuthority(async () => authority);
const { endpoints, environment } = placeEndpoints(sandbox, authority.caPem, layout);
for (const key of ['CLIENT_VPN_ENDPOINT_IDS', 'CLIENT_VPN_ENDPOINT_LOCATIONS', 'CRL_MAINTENANCE_WINDOW'])
  delete process.env[key];
Object.assign(process.env, environment);

const now = sandbox.clock.now();
const holder = await authority.issue('alice', now);
const bystander = await authority.issue('bob', now);
for (const { endpointId, model } of endpoints) {
  for (const cert of [holder, bystander]) {
    if (!model.connectClient(endpointId, cert.pem, { reconnect: true }).connected)
      throw new Error(`${endpointId}: a client could not connect before the revocation`);
  }
}
sandbox.throttling.enable(DEFAULT_THROTTLING);
if (values.down) sandbox.setRegionDown(values.down);

await warmHandlers('revoke-certificate');
const trace = [];
let requestedAt = 0;
// Loaded (and validated) before the clock starts: on AWS the state machine exists already.
const machine = LocalStateMachine.load('revoke-certificate', {
  sandbox,
  onEvent: (event) => {
    if (process.env.BENCH_TRACE && event.state)
      trace.push(
        `${((sandbox.clock.nowMs() - requestedAt) / 1000).toFixed(1)} ${event.type} ${event.state.name}`,
      );
  },
});
requestedAt = sandbox.clock.nowMs();
const run = await machine.run({
  commonName: 'alice',
  requestedBy: 'bench',
  requestId: 'bench-revocation',
});
if (run.status !== 'SUCCEEDED') throw new Error(`revoke-certificate ${run.status}: ${run.cause ?? ''}`);
const output = run.output;
const crlNumber = output.crlNumber;

const perEndpoint = endpoints.map(({ endpointId, region, accountId, model }) => {
  const imports = model.crlImports.filter((i) => i.endpointId === endpointId && i.crlNumber === crlNumber);
  const holderSessions = model.connections(endpointId).filter((c) => c.commonName === 'alice');
  const live = holderSessions.filter((c) => c.endedAt === undefined).length;
  const lastEnded = Math.max(...holderSessions.map((c) => c.endedAt ?? Infinity));
  const imported = imports[0];
  const enforcedAt = imported && live === 0 ? Math.max(imported.activeAt, lastEnded) : undefined;
  return {
    endpointId,
    region,
    accountId,
    importedAt: imported ? (imported.at - requestedAt) / 1000 : undefined,
    importSeconds: imported ? (imported.activeAt - imported.at) / 1000 : undefined,
    enforcedAfter: enforcedAt === undefined ? undefined : (enforcedAt - requestedAt) / 1000,
    holderLiveSessions: live,
    holderRefused:
      model.connectClient(endpointId, holder.pem).connected === false &&
      model.connectAttempts.at(-1)?.result.reason === 'certificate-revoked',
    bystanderLive: model
      .connections(endpointId)
      .some((c) => c.commonName === 'bob' && c.endedAt === undefined),
    crlSha256: imported?.sha256,
  };
});
const enforced = perEndpoint.filter((e) => e.enforcedAfter !== undefined);
const lastSeconds = Math.max(...enforced.map((e) => e.enforcedAfter));
const slowestImport = Math.max(...enforced.map((e) => e.importSeconds));
const importStarts = enforced.map((e) => e.importedAt);
const cloudWatch = sandbox.model('CloudWatch').metrics.filter((m) => m.name === 'CrlEndpointsBehind');
const result = {
  endpoints: total,
  regions: layout.map((l) => `${l.region}${l.accountId ? ` (account ${l.accountId})` : ''}: ${l.endpoints}`),
  down: values.down ?? null,
  lastEnforcedSeconds: lastSeconds,
  slowestImportSeconds: slowestImport,
  ratio: lastSeconds / slowestImport,
  importStartSpreadSeconds: Math.max(...importStarts) - Math.min(...importStarts),
  distinctCrls: new Set(perEndpoint.flatMap((e) => (e.crlSha256 ? [e.crlSha256] : []))).size,
  crlsBuilt: run.events.filter((e) => e.type === 'StateExited' && e.state?.name === 'PublishRevocationCrl')
    .length,
  updated: output.updatedEndpoints,
  behind: output.behindEndpoints,
  behindMetric: Object.fromEntries(cloudWatch.map((m) => [m.dimensions.Region, m.value])),
  importCalls: sandbox.faults.calls('EC2', 'ImportClientVpnClientCertificateRevocationList'),
  assumedRoles: sandbox.model('STS').assumed.length,
  perEndpoint,
};
setCrlAuthority(undefined);
await sandbox.close();
if (process.env.BENCH_TRACE) console.error(trace.slice(0, 40).join('\n'));

if (values.json) {
  console.log(JSON.stringify(result));
} else {
  console.log(`revocation across ${result.regions.join(', ')}; sandbox at ${speed}×, default EC2 throttling`);
  if (values.down)
    console.log(
      `${values.down} down: ${result.behind.length} endpoints behind after ${result.importCalls} import calls`,
    );
  console.log(
    `revoke → last endpoint enforcing (CRL active, holder's sessions ended): ${lastSeconds.toFixed(1)} s simulated; ` +
      `slowest single import ${slowestImport.toFixed(1)} s → ratio ${result.ratio.toFixed(2)}× (goal ≤ 1.2×)`,
  );
  console.log(
    `imports started within ${result.importStartSpreadSeconds.toFixed(1)} s of each other; ${result.distinctCrls} CRL built once, imported into ${enforced.length} endpoints`,
  );
}

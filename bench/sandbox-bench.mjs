// What the sandbox benches share: quiet handlers, the CLI build, and a sandbox with its tables.
// The benches run the transpiled dist/ (no TypeScript at run time), built first.
import { build } from '../scripts/build.mjs';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
process.env.AWS_REGION ??= 'us-east-1';

/** A sandbox at `speed` with its DynamoDB tables, and the modules a rotation bench needs. */
export async function openBenchSandbox(speed) {
  // The test suite's global setup has built dist/ already (test/bench/benches.test.ts).
  if (process.env.CACHEGATE_BENCH_SKIP_BUILD !== '1') await build();
  const { createSandbox } = await import('../dist/local/sandbox/index.js');
  const { createTables } = await import('../dist/local/sandbox/tables.js');
  const { LocalStateMachine } = await import('../dist/local/runner/local-state-machine.js');
  const { seedUserWithSecret } = await import('../dist/local/sandbox/seed-user-with-secret.js');
  const sandbox = await createSandbox({ speed });
  await createTables();
  return { sandbox, LocalStateMachine, seedUserWithSecret };
}

/**
 * Loads every handler `workflow` runs before the clock starts. All Lambdas run in this one
 * process, so a module's first import (the SDK clients: about a second of real time) would count
 * as tens of simulated seconds at the bench's speed; on AWS each function's cold start is its own,
 * in parallel, and well under a second.
 */
export async function warmHandlers(workflow) {
  const { readAsl } = await import('../dist/workflows/asl-files.js');
  const { placeholdersOf, functionNameOf } = await import('../dist/workflows/placeholders.js');
  for (const placeholder of placeholdersOf(readAsl(workflow))) {
    const name = functionNameOf(placeholder);
    if (name) await import(`../dist/functions/${name}/handler.js`);
  }
}

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
// @ts-expect-error: a bench module, plain JavaScript without declarations
import { firstCallInChild } from '../../bench/first-call-isolated.mjs';
import { Sandbox } from '../../local/sandbox/sandbox.js';
import { genericFault } from '../../local/sandbox/service-error.js';

interface FirstCall {
  outcome: string;
  firstCallCpuMs: number;
  keyGenerationCpuMs: number;
  result?: unknown;
  error?: Error;
}
const run = firstCallInChild as (
  fn: { name: string; bundle: string },
  event: unknown,
  context: unknown,
) => Promise<FirstCall>;

/** CPU time the sandbox spends answering one call: what the function's figure must not include. */
const SANDBOX_WORK_MS = 600;
function burnCpu(ms: number): void {
  const start = process.cpuUsage();
  for (;;) {
    const used = process.cpuUsage(start);
    if ((used.user + used.system) / 1000 >= ms) return;
  }
}

/**
 * The cold-start bench's first call in a process of its own (bench/first-call-isolated.mjs): the
 * figure is the function's CPU time, not the sandbox's that answers it from this process; what the
 * handler returns or lets through comes back as it was; key generation is counted apart.
 */
describe('cold-start bench: a first call in its own process', () => {
  const work = mkdtempSync(join(tmpdir(), 'cachegate-first-call-'));
  const sdk = pathToFileURL(createRequire(import.meta.url).resolve('@aws-sdk/client-secrets-manager')).href;
  const bundle = join(work, 'index.mjs');
  const sandbox = new Sandbox();
  const refused = genericFault(
    'ResourceNotFoundException',
    "Secrets Manager can't find the specified secret.",
  );

  beforeAll(() => {
    // A stand-in bundle: an SDK client made the way functions/aws/clients.ts makes it, one call.
    writeFileSync(
      bundle,
      `import sdk from ${JSON.stringify(sdk)};
import { generateKeyPairSync } from 'node:crypto';
const hook = globalThis[Symbol.for('cachegate.awsClientHook')];
const client = new sdk.SecretsManagerClient({ ...hook.defaults });
hook.attach(client);
export async function handler(event) {
  if (event.generateKey) generateKeyPairSync('rsa', { modulusLength: 2048 });
  const out = await client.send(new sdk.GetSecretValueCommand({ SecretId: event.secretId }));
  return { value: out.SecretString };
}`,
    );
    sandbox
      .register({
        serviceId: 'Secrets Manager',
        commands: {
          GetSecretValue: (input: { SecretId: string }) => {
            if (input.SecretId === 'missing') throw refused;
            burnCpu(SANDBOX_WORK_MS);
            return { SecretString: `value of ${input.SecretId}` };
          },
        },
      })
      .install();
  });
  afterAll(async () => {
    await sandbox.close();
    rmSync(work, { recursive: true, force: true });
  });

  it("counts the function's CPU time, not the sandbox's that answers it", async () => {
    const call = await run({ name: 'stand-in', bundle }, { secretId: 'db' }, undefined);
    expect(call).toMatchObject({ outcome: 'ok', result: { value: 'value of db' }, keyGenerationCpuMs: 0 });
    expect(call.firstCallCpuMs).toBeGreaterThan(0);
    expect(call.firstCallCpuMs).toBeLessThan(SANDBOX_WORK_MS / 2);
  });

  it('rethrows the very error the sandbox threw when the handler lets it through', async () => {
    const call = await run({ name: 'stand-in', bundle }, { secretId: 'missing' }, undefined);
    expect(call.outcome).toBe('ResourceNotFoundException');
    expect(call.error).toBe(refused);
  });

  it('counts RSA key generation apart, within the call', async () => {
    const call = await run({ name: 'stand-in', bundle }, { secretId: 'db', generateKey: true }, undefined);
    expect(call.outcome).toBe('ok');
    expect(call.keyGenerationCpuMs).toBeGreaterThan(0);
    expect(call.keyGenerationCpuMs).toBeLessThanOrEqual(call.firstCallCpuMs);
  });
});

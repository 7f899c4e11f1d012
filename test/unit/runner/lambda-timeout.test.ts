import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DescribeSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { createAwsClient } from '../../../functions/aws/clients.js';
import { LocalStateMachine, type LambdaHandler } from '../../../local/runner/local-state-machine.js';
import { createSandbox, type Sandbox } from '../../../local/sandbox/index.js';

/**
 * A Lambda's timeout in the sandbox: a hang (simulated waiting) times out on the sandbox clock,
 * while a handler's real work is not simulated time, so a loaded machine does not turn a healthy
 * call into a timeout (the demo's certificate step did, at a load of 27 on two cores).
 */
let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await createSandbox({ speed: 1000 });
});
afterAll(async () => sandbox.close());

class PlantedStop extends Error {
  override name = 'PlantedStop';
}

/** offboard-user's first state (ClaimUser) retries Sandbox.Timedout but not PlantedStop. */
async function runFirstStateWith(handler: LambdaHandler) {
  const machine = LocalStateMachine.load('offboard-user', {
    sandbox,
    lambdaTimeoutSeconds: 1,
    handlers: { 'claim-user': handler },
  });
  const started = performance.now();
  const run = await machine.run({ userId: 'timeout-user' });
  return { run, seconds: (performance.now() - started) / 1000, events: JSON.stringify(run.events) };
}

describe('Lambda timeouts in the local runner', () => {
  it('lets real work outlast the scaled timeout (1 simulated second = 1 ms here)', async () => {
    const { run, events } = await runFirstStateWith(async () => {
      // Real CPU work in slices, as a handler awaiting crypto and SDK calls on a loaded machine.
      const until = performance.now() + 1500;
      while (performance.now() < until) {
        const slice = performance.now() + 20;
        while (performance.now() < slice);
        await new Promise((resolve) => setImmediate(resolve));
      }
      throw new PlantedStop('work finished');
    });
    expect(run.error).toBe('PlantedStop');
    expect(events).not.toContain('Sandbox.Timedout');
  });

  it('times a hang out on the sandbox clock, within about a second of real time', async () => {
    sandbox.faults.inject({ service: 'Secrets Manager', command: 'DescribeSecret', mode: 'hang' });
    const secrets = createAwsClient(SecretsManagerClient, {});
    const { run, seconds, events } = await runFirstStateWith(async () => {
      await secrets.send(new DescribeSecretCommand({ SecretId: 'nothing' })).catch(() => undefined);
      throw new PlantedStop('second attempt');
    });
    sandbox.faults.clear();
    expect(events).toContain('Sandbox.Timedout');
    expect(run.error).toBe('PlantedStop');
    expect(seconds).toBeLessThan(20);
  });
});

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { outputOf, pollExecution, runDeployedWorkflow } from '../../bin/cli/deployed-workflow.js';
import { ValidationError } from '../../functions/core/errors.js';
import { createSandbox, type Sandbox } from '../../local/sandbox/index.js';
import type { StepFunctionsModel } from '../../local/sandbox/models/step-functions.js';
import { runCli } from './run-cli.js';

/**
 * The workflow commands an operator runs in an incident — `rotate`, `revoke`, `crl refresh` — end
 * to end through the built CLI on the local sandbox, and the one deployed-workflow path they share
 * (start, poll, exit code) against the sandbox's Step Functions model.
 */
const cachegate = (...args: string[]) => runCli(args);

describe('cachegate rotate (local dry run)', () => {
  it('rotates one user through every step and prints the new AWSCURRENT version, never a password', async () => {
    const result = await cachegate('rotate', '--user', 'alice');
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^rotated alice: AWSCURRENT is version [0-9a-f-]{36}\n$/);
    expect(result.stderr).toContain('dry run');
    expect(result.stderr).toContain('7/7 FinishRotation');
  });

  it('rotates every sample user and reports the ones it skipped with the reason', async () => {
    const result = await cachegate('rotate', '--all');
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^rotated 25, failed 0, skipped 1 of 26\n/);
    expect(result.stdout).toContain('skipped  default: the user does not authenticate with passwords');
  });

  it.each([
    [['rotate', '--user', 'alice', '--all'], '--user'],
    [['rotate', '--user', 'alice', '--selector', 'all'], '--selector'],
    [['rotate', '--user', 'alice', '--poll-seconds', '0'], '--poll-seconds'],
    [['rotate', '--user', 'alice', '--state-machine-arn', 'arn:aws:lambda:x'], '--state-machine-arn'],
    [['rotate', '--user', '1-bad'], '--user'],
  ])('refuses %j with exit 2 naming %s, before anything runs', async (args, field) => {
    const result = await cachegate(...args);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain(field);
    expect(result.stderr).not.toContain('dry run');
  });
});

describe('cachegate revoke / crl refresh (local: a real CA store, simulated endpoints)', () => {
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cachegate-revoke-cli-'));
    const store = join(dir, 'pki');
    expect((await cachegate('pki', 'init', '--store', store, '--cn', 'Revoke CLI CA')).status).toBe(0);
    for (const cn of ['alice', 'bob'])
      expect((await cachegate('cert', 'issue', '--store', store, '--cn', cn, '--out', dir)).status).toBe(0);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('revoke records the revocation in index.txt and imports the CRL into every endpoint', async () => {
    const before = Date.now();
    const result = await cachegate(
      'revoke',
      '--cn',
      'alice',
      '--store',
      join(dir, 'pki'),
      '--endpoints',
      '2',
    );
    expect(result.status).toBe(0);
    const output = JSON.parse(result.stdout.slice(result.stdout.indexOf('{'))) as {
      commonName: string;
      updatedEndpoints: string[];
    };
    expect(output.commonName).toBe('alice');
    expect(output.updatedEndpoints).toHaveLength(2);
    const index = readFileSync(join(dir, 'pki', 'index.txt'), 'utf8');
    expect(index).toMatch(/^R\t.*\/CN=alice$/m);
    expect(index).toMatch(/^V\t.*\/CN=bob$/m);
    // The store is the operator's real CA: the revocation date is wall-clock time, not the
    // sandbox's sped-up clock that the workflow's steps run on.
    const [, y, mo, d, h, mi, sec] = /^R\t\d{12}Z\t(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)Z/m.exec(index) ?? [];
    const revokedAt = Date.UTC(
      2000 + Number(y),
      Number(mo) - 1,
      Number(d),
      Number(h),
      Number(mi),
      Number(sec),
    );
    expect(revokedAt).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);
    expect(revokedAt).toBeLessThanOrEqual(Date.now());
  });

  it('crl refresh imports the current CRL into a fresh endpoint', async () => {
    const result = await cachegate('crl', 'refresh', '--store', join(dir, 'pki'));
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/"updatedEndpoints": \[\n\s+"cvpn-endpoint-[0-9a-f]+"/);
  });

  it.each([
    [['revoke', '--store', 'x'], '--cn'],
    [['revoke', '--cn', 'alice', '--serial', '01', '--store', 'x'], '--cn'],
    [['revoke', '--cn', 'alice'], '--store'],
    [['revoke', '--cn', 'alice', '--state-machine-arn', 'not-an-arn'], '--state-machine-arn'],
    [['crl', 'refresh'], '--store'],
  ])('refuses %j with exit 2 naming %s', async (args, field) => {
    const result = await cachegate(...args);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain(field.replace(/^--/, ''));
  });
});

describe('the deployed-workflow path (start, poll, exit code)', () => {
  let sandbox: Sandbox;
  const arn = (name: string) => `arn:aws:states:us-east-1:000000000000:stateMachine:cli-${name}`;
  const lines: string[] = [];
  const stream = { isTTY: false, write: (text: string) => lines.push(text) } as unknown as NodeJS.WriteStream;
  const noWait = async () => undefined;

  beforeAll(async () => {
    sandbox = await createSandbox({ speed: 1000, dynamoDb: false });
    const sfn = sandbox.model<StepFunctionsModel>('SFN');
    sfn.registerStateMachine(arn('ok'), async (input) => ({
      status: 'SUCCEEDED',
      output: { echoed: input },
    }));
    sfn.registerStateMachine(arn('bad-input'), async () => ({
      status: 'FAILED',
      error: 'Cachegate.InvalidInput',
      cause: JSON.stringify({ errorMessage: 'userId: must be lower case' }),
    }));
    sfn.registerStateMachine(arn('broken'), async () => ({
      status: 'FAILED',
      error: 'States.TaskFailed',
      cause: JSON.stringify({ errorMessage: 'the cache is gone' }),
    }));
  });
  afterAll(async () => sandbox.close());

  it('returns the output of a run that succeeds, after printing its ARN and status', async () => {
    lines.length = 0;
    const result = await runDeployedWorkflow(
      arn('ok'),
      { userId: 'carol' },
      { pollSeconds: 1, stream, sleep: noWait },
    );
    expect(outputOf('ok', result)).toEqual({ echoed: { userId: 'carol' } });
    expect(lines[0]).toMatch(/^started arn:aws:states:us-east-1:000000000000:execution:cli-ok:cli-/);
    expect(lines.at(-1)).toMatch(/^SUCCEEDED \(\d+ s\)\n$/);
  });

  it('turns a failed validation step into bad input (exit 2) with the step message', async () => {
    const result = await runDeployedWorkflow(arn('bad-input'), {}, { pollSeconds: 1, stream, sleep: noWait });
    expect(() => outputOf('bad-input', result)).toThrow(ValidationError);
    expect(() => outputOf('bad-input', result)).toThrow('userId: must be lower case');
  });

  it('turns any other failure into an operational error (exit 1) naming the workflow and cause', async () => {
    const result = await runDeployedWorkflow(arn('broken'), {}, { pollSeconds: 1, stream, sleep: noWait });
    let thrown: unknown;
    try {
      outputOf('broken', result);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).not.toBeInstanceOf(ValidationError);
    expect((thrown as Error).message).toBe('broken failed: States.TaskFailed: the cache is gone');
  });

  it('prints a status line only when the status changes (no flood in a log file)', async () => {
    lines.length = 0;
    const statuses = ['RUNNING', 'RUNNING', 'RUNNING', 'SUCCEEDED'];
    const sfn = sandbox.model<StepFunctionsModel>('SFN');
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    sfn.registerStateMachine(arn('slow'), async () => {
      await gate;
      return { status: 'SUCCEEDED', output: {} };
    });
    let polls = 0;
    const sleep = async () => {
      polls += 1;
      if (statuses[polls] === 'SUCCEEDED') release();
      await new Promise((resolve) => setTimeout(resolve, 5));
    };
    const { startDeployedWorkflow } = await import('../../bin/cli/deployed-workflow.js');
    const executionArn = await startDeployedWorkflow(arn('slow'), {}, stream);
    const result = await pollExecution(executionArn, { pollSeconds: 1, stream, sleep });
    expect(result.status).toBe('SUCCEEDED');
    expect(polls).toBeGreaterThanOrEqual(3);
    expect(lines.filter((line) => line.startsWith('RUNNING'))).toHaveLength(1);
  });
});

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { startServer, LOCAL_IDENTITY_HEADER, type RunningServer } from '../../local/serve/server.js';
import { signedSlackClick } from '../../local/serve/slack-request.js';

const BOB = 'arn:aws:iam::111111111111:user/bob';

/** Runs the built CLI without blocking this process (the server under test lives in it). */
function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['bin/cachegate', ...args],
      { encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

let server: RunningServer;
const log: string[] = [];
beforeAll(async () => {
  server = await startServer({
    port: 0,
    approvers: ['U0ALICE|arn:aws:iam::111111111111:user/alice', 'U0CAROL'],
    speed: 1000,
    log: (line) => log.push(line),
  });
});
afterAll(async () => server.close());

async function api(
  method: string,
  path: string,
  options: { caller?: string; key?: string; body?: unknown } = {},
) {
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers: {
      'content-type': 'application/json',
      ...(options.caller ? { [LOCAL_IDENTITY_HEADER]: options.caller } : {}),
      ...(options.key ? { 'Idempotency-Key': options.key } : {}),
    },
    ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
  });
  return { status: response.status, json: (await response.json()) as Record<string, string> };
}

async function waitFor<T>(probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('cachegate serve + approve/reject', () => {
  it('serves the API on localhost and takes decisions from the CLI, checking the approver', async () => {
    const created = await api('POST', '/access-requests', {
      caller: BOB,
      key: 'serve-test-0001',
      body: {
        kind: { type: 'vpn-certificate', commonName: 'bob' },
        justification: 'VPN access to debug the orders cache',
      },
    });
    expect(created.status).toBe(202);
    const path = `/access-requests/${created.json.requestId}`;
    const { approvalId } = await waitFor(async () => {
      const { json } = await api('GET', path, { caller: BOB });
      return json.approvalId ? json : undefined;
    });

    const outsider = await cli('approve', approvalId as string, '--as', 'U0MALLORY', '--url', server.url);
    expect(outsider.code).toBe(2);
    expect(outsider.stderr).toMatch(/U0MALLORY is not in the approvers group/);

    const rejected = await cli('reject', approvalId as string, '--as', 'U0CAROL', '--url', server.url);
    expect(rejected.stderr).toBe('');
    expect(rejected.code).toBe(0);
    expect(rejected.stdout).toMatch(new RegExp(`${approvalId} rejected by U0CAROL`));
    const closed = await waitFor(async () => {
      const { json } = await api('GET', path, { caller: BOB });
      return json.status === 'REJECTED' ? json : undefined;
    });
    expect(closed.decidedBy).toBe('U0CAROL');

    const again = await cli('approve', approvalId as string, '--as', 'U0ALICE', '--url', server.url);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/already decided/);
  });

  it('answers like API Gateway: 401 without an identity, 401 for a forged Slack request, 404 for unknown routes', async () => {
    expect((await api('GET', '/access-requests/req-12345678')).status).toBe(401);
    const forged = signedSlackClick({
      signingSecret: 'not-the-secret',
      approvalId: 'AP-ABCDEFGHJK',
      user: 'U0ALICE',
      decision: 'APPROVED',
    });
    const slack = await fetch(`${server.url}${forged.path}`, {
      method: 'POST',
      headers: forged.headers,
      body: forged.body,
    });
    expect(slack.status).toBe(401);
    expect((await api('GET', '/nothing-here')).status).toBe(404);
  });

  it('refuses a bad approval ID on the command line with exit code 2', async () => {
    const result = await cli('approve', 'task-token-123', '--as', 'U0ALICE', '--url', server.url);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/approval-id: must look like AP-/);
  });

  it('refuses an approval window out of bounds before it starts anything (exit code 2)', async () => {
    const result = await cli('serve', '--port', '0', '--approval-timeout', '10');
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--approval-timeout: must be a whole number of seconds from 300 to 604800/);
    expect(result.stdout).toBe('');
  });
});

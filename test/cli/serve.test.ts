import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile, spawn } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import { startServer, LOCAL_IDENTITY_HEADER, type RunningServer } from '../../local/serve/server.js';
import { signedSlackClick } from '../../local/serve/slack-request.js';
import { waitFor } from '../workflows/access-request-fixture.js';

const BOB = 'arn:aws:iam::111111111111:user/bob';

/**
 * Runs the built CLI without blocking this process (the server under test lives in it), with
 * this run's approval secret in its environment unless `env` says otherwise.
 */
function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return cliWith({ CACHEGATE_SERVE_SECRET: server.approvalSecret }, ...args);
}

function cliWith(
  env: Record<string, string>,
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['bin/cachegate', ...args],
      { encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '', CACHEGATE_SERVE_SECRET: '', ...env } },
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

/** Asks for VPN access as BOB and waits until the request has its approval pending. */
async function pendingApproval(key: string): Promise<{ requestId: string; approvalId: string }> {
  const created = await api('POST', '/access-requests', {
    caller: BOB,
    key,
    body: {
      kind: { type: 'vpn-certificate', commonName: 'bob' },
      justification: 'VPN access to debug the orders cache',
    },
  });
  expect(created.status).toBe(202);
  const requestId = created.json.requestId as string;
  const { approvalId } = await waitFor(async () => {
    const { json } = await api('GET', `/access-requests/${requestId}`, { caller: BOB });
    return json.approvalId ? json : undefined;
  }, `the approval of ${requestId}`);
  return { requestId, approvalId: approvalId as string };
}

/** Waits until the request reaches `status` (so that no workflow is left running after the test). */
const settled = (requestId: string, status: string) =>
  waitFor(async () => {
    const { json } = await api('GET', `/access-requests/${requestId}`, { caller: BOB });
    return json.status === status ? json : undefined;
  }, `${requestId} to be ${status}`);

/** A raw POST (fetch cannot send some of these): status and body as the server answered. */
function rawPost(
  path: string,
  headers: Record<string, string>,
  body: Buffer | string,
): Promise<{ status: number; json: Record<string, string> }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${server.url}${path}`, { method: 'POST', headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          json: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, string>,
        }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('cachegate serve + approve/reject', () => {
  it('serves the API on localhost and takes decisions from the CLI, checking the approver', async () => {
    const { requestId, approvalId } = await pendingApproval('serve-test-0001');

    const outsider = await cli('approve', approvalId, '--as', 'U0MALLORY', '--url', server.url);
    expect(outsider.code).toBe(2);
    expect(outsider.stderr).toMatch(/U0MALLORY is not in the approvers group/);

    const rejected = await cli('reject', approvalId, '--as', 'U0CAROL', '--url', server.url);
    expect(rejected.stderr).toBe('');
    expect(rejected.code).toBe(0);
    expect(rejected.stdout).toMatch(new RegExp(`${approvalId} rejected by U0CAROL`));
    const closed = await settled(requestId, 'REJECTED');
    expect(closed.decidedBy).toBe('U0CAROL');

    const again = await cli('approve', approvalId, '--as', 'U0ALICE', '--url', server.url);
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

describe('cachegate serve: the local approval route is not open to anyone who can reach 127.0.0.1', () => {
  const decide = (approvalId: string, headers: Record<string, string>) =>
    rawPost(
      `/local/approvals/${approvalId}`,
      headers,
      JSON.stringify({ approver: 'U0ALICE', decision: 'APPROVED' }),
    );

  it('refuses a decision without this run’s approval secret, or in a non-JSON body, and decides nothing', async () => {
    const { requestId, approvalId } = await pendingApproval('serve-test-secret-1');
    const json = { 'content-type': 'application/json' };
    const bearer = { authorization: `Bearer ${server.approvalSecret}` };

    // A web page knowing the approval ID can send a "simple" POST: text/plain, no custom header.
    const fromPage = await decide(approvalId, { 'content-type': 'text/plain' });
    expect(fromPage.status).toBe(401);
    expect(fromPage.json.message).toMatch(/^Authorization: /);
    expect((await decide(approvalId, json)).status).toBe(401);
    expect((await decide(approvalId, { ...json, authorization: 'Bearer not-the-secret' })).status).toBe(401);
    expect((await decide(approvalId, { ...json, authorization: server.approvalSecret })).status).toBe(401);
    // The secret alone is not enough either: the body must be JSON.
    const textPlain = await decide(approvalId, { 'content-type': 'text/plain', ...bearer });
    expect(textPlain.status).toBe(415);
    expect(textPlain.json.field).toBe('Content-Type');
    const form = await decide(approvalId, { 'content-type': 'application/x-www-form-urlencoded', ...bearer });
    expect(form.status).toBe(415);
    // The IAM-style decision route is guarded the same way: its approver is a caller-set header.
    const iamStyle = await rawPost(
      `/approvals/${approvalId}/approve`,
      { ...json, [LOCAL_IDENTITY_HEADER]: 'arn:aws:iam::111111111111:user/alice' },
      '{}',
    );
    expect(iamStyle.status).toBe(401);

    const { json: request } = await api('GET', `/access-requests/${requestId}`, { caller: BOB });
    expect(request.status).toBe('PENDING_APPROVAL');

    // The CLI without the secret says what is missing; with it, the decision goes through.
    const without = await cliWith({}, 'approve', approvalId, '--as', 'U0ALICE', '--url', server.url);
    expect(without.code).toBe(2);
    expect(without.stderr).toMatch(/CACHEGATE_SERVE_SECRET: is required/);
    const rejected = await cli('reject', approvalId, '--as', 'U0ALICE', '--url', server.url);
    expect(rejected.stderr).toBe('');
    expect(rejected.stdout).toMatch(new RegExp(`${approvalId} rejected by U0ALICE`));
    await settled(requestId, 'REJECTED');
  });

  it('answers 400, not 500, to a malformed percent-escape in a path parameter', async () => {
    const get = await api('GET', '/access-requests/req-%zz', { caller: BOB });
    expect(get.status).toBe(400);
    expect(get.json.field).toBe('id');
    const decision = await rawPost(
      '/approvals/AP-%E0%A4%A/approve',
      {
        'content-type': 'application/json',
        authorization: `Bearer ${server.approvalSecret}`,
        [LOCAL_IDENTITY_HEADER]: 'arn:aws:iam::111111111111:user/alice',
      },
      '{}',
    );
    expect(decision.status).toBe(400);
    expect(decision.json.field).toBe('approvalId');
  });

  it('answers 413 to a body over 1 MiB, and the client gets that answer (no reset connection)', async () => {
    const { requestId, approvalId } = await pendingApproval('serve-test-413-1');
    const huge = Buffer.alloc(2 * 1024 * 1024, 'a');
    const local = await rawPost(
      `/local/approvals/${approvalId}`,
      { 'content-type': 'application/json', authorization: `Bearer ${server.approvalSecret}` },
      huge,
    );
    expect(local.status).toBe(413);
    expect(local.json).toMatchObject({ error: 'PAYLOAD_TOO_LARGE', field: 'body' });
    const create = await rawPost(
      '/access-requests',
      {
        'content-type': 'application/json',
        [LOCAL_IDENTITY_HEADER]: BOB,
        'Idempotency-Key': 'serve-test-413-2',
      },
      huge,
    );
    expect(create.status).toBe(413);
    const { json: request } = await api('GET', `/access-requests/${requestId}`, { caller: BOB });
    expect(request.status).toBe('PENDING_APPROVAL');
    expect((await cli('reject', approvalId, '--as', 'U0ALICE', '--url', server.url)).code).toBe(0);
    await settled(requestId, 'REJECTED');
  });
});

describe('cachegate serve stops on SIGTERM', () => {
  it('exits promptly with an approval pending, saying that pending approvals are lost', async () => {
    // As an operator runs it: without the test workers' Powertools settings (test/setup-env.js).
    const env = Object.fromEntries(
      Object.entries(process.env).filter(([name]) => !name.startsWith('POWERTOOLS_')),
    );
    const child = spawn(process.execPath, ['bin/cachegate', 'serve', '--port', '0', '--speed', '1000'], {
      env: { ...env, NODE_OPTIONS: '' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      const url = await waitFor(() => /cachegate serve: (http:\/\/\S+)/.exec(stdout)?.[1], 'the URL served');
      await waitFor(
        () => (stdout.includes('approval secret') ? true : undefined),
        'the approval secret line',
      );
      expect(stdout).toMatch(/stopping serve loses every pending approval/);
      const headers = { 'content-type': 'application/json', [LOCAL_IDENTITY_HEADER]: BOB };
      const created = await fetch(`${url}/access-requests`, {
        method: 'POST',
        headers: { ...headers, 'Idempotency-Key': 'serve-test-sigterm-1' },
        body: JSON.stringify({
          kind: { type: 'vpn-certificate', commonName: 'bob' },
          justification: 'VPN access to debug the orders cache',
        }),
      });
      const { requestId } = (await created.json()) as { requestId: string };
      await waitFor(async () => {
        const response = await fetch(`${url}/access-requests/${requestId}`, { headers });
        const body = (await response.json()) as { approvalId?: string };
        return body.approvalId;
      }, `the approval of ${requestId}`);
      const stopped = Date.now();
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      // Generous for a loaded machine; before the fix the process never exited.
      expect(Date.now() - stopped).toBeLessThan(10_000);
      expect(stdout).toMatch(/SIGTERM: stopping; pending approvals and running workflows are lost/);
      // Quiet by default: the handlers ran, yet no JSON log line and no Powertools warning.
      expect(stdout).not.toMatch(/"level":/);
      expect(stderr).toBe('');
    } finally {
      child.kill('SIGKILL');
    }
  }, 60_000);
});

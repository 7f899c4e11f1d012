import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { webApiSlackNotifier } from '../../../functions/aws/slack-notifier.js';
import { approvalRequestMessage } from '../../../functions/core/api/slack-interaction.js';

const TOKEN = 'xoxb-123-not-a-real-token';

interface Received {
  method: string;
  authorization: string | undefined;
  contentType: string | undefined;
  args: Record<string, unknown>;
}

/**
 * A fake Slack Web API on 127.0.0.1: records each call (method, token header, arguments as
 * sent) and answers with whatever the test queued for that method.
 */
let server: Server;
let apiUrl: string;
let received: Received[] = [];
let answers: Record<
  string,
  { status?: number; headers?: Record<string, string>; body: unknown; hang?: boolean; raw?: string }[]
> = {};

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const method = (req.url ?? '').replace(/^\/api\//, '');
      const text = Buffer.concat(chunks).toString('utf8');
      const contentType = req.headers['content-type'];
      const args = contentType?.startsWith('application/json')
        ? (JSON.parse(text) as Record<string, unknown>)
        : Object.fromEntries(new URLSearchParams(text));
      received.push({ method, authorization: req.headers.authorization, contentType, args });
      const answer = answers[method]?.shift() ?? { body: { ok: true } };
      if (answer.hang) return; // never answers: the client's deadline must end the call
      res.writeHead(answer.status ?? 200, { 'content-type': 'application/json', ...answer.headers });
      res.end(answer.raw ?? JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  apiUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});
beforeEach(() => {
  received = [];
  answers = {};
});

const notifier = () => webApiSlackNotifier(TOKEN, { slackApiUrl: apiUrl });
describe("Slack notifier on Slack's Web API (local fake Slack)", () => {
  it('posts the approval message with chat.postMessage and the bot token, and returns channel and ts', async () => {
    answers['chat.postMessage'] = [{ body: { ok: true, channel: 'C0APPROVALS', ts: '1700000000.000100' } }];
    const message = approvalRequestMessage('C0APPROVALS', {
      approvalId: 'AP-ABCDEFGHJK',
      requestId: 'req-1234567890',
      requester: 'arn:aws:iam::111111111111:user/bob',
      justification: 'incident 4711 needs read access',
      kind: { type: 'vpn-certificate', commonName: 'bob' },
    });
    const posted = await notifier().postMessage(message);
    expect(posted).toEqual({ channel: 'C0APPROVALS', ts: '1700000000.000100' });
    expect(received).toHaveLength(1);
    expect(received[0]).toMatchObject({
      method: 'chat.postMessage',
      authorization: `Bearer ${TOKEN}`,
      contentType: 'application/json; charset=utf-8',
    });
    // The message as JSON, blocks and all: Slack accepts JSON bodies with a Bearer token.
    expect(received[0]?.args).toEqual(JSON.parse(JSON.stringify(message)));
  });

  it('rewrites a message with chat.update and tells one user with chat.postEphemeral', async () => {
    await notifier().updateMessage({ channel: 'C1', ts: '1.2', text: 'Approved by <@U0ALICE>' });
    await notifier().postEphemeral({ channel: 'C1', user: 'U0BOB', text: 'already decided' });
    expect(received.map((r) => [r.method, r.args])).toEqual([
      ['chat.update', expect.objectContaining({ channel: 'C1', ts: '1.2', text: 'Approved by <@U0ALICE>' })],
      [
        'chat.postEphemeral',
        expect.objectContaining({ channel: 'C1', user: 'U0BOB', text: 'already decided' }),
      ],
    ]);
  });

  it('turns a Slack error into a typed error naming Slack’s code, never the token', async () => {
    answers['chat.update'] = [{ body: { ok: false, error: 'message_not_found' } }];
    const error = (await notifier()
      .updateMessage({ channel: 'C1', ts: '1.2', text: 'x' })
      .catch((e: unknown) => e)) as Error & { code?: string };
    expect(error).toMatchObject({
      code: 'SLACK_API',
      message: 'Slack chat.update failed: message_not_found',
    });
    expect(JSON.stringify({ ...error, message: error.message })).not.toContain(TOKEN);
    // A platform error is an answer, not a transport failure: no retry.
    expect(received).toHaveLength(1);
  });

  it('fails fast when rate limited instead of waiting inside Slack’s 3-second budget', async () => {
    answers['chat.postEphemeral'] = [
      { status: 429, headers: { 'retry-after': '30' }, body: { ok: false, error: 'ratelimited' } },
    ];
    await expect(notifier().postEphemeral({ channel: 'C1', user: 'U0BOB', text: 'x' })).rejects.toMatchObject(
      { code: 'SLACK_API', message: 'Slack chat.postEphemeral failed: rate limited' },
    );
  });

  it('retries a server error once, then reports it', async () => {
    answers['chat.postMessage'] = [
      { status: 503, body: { ok: false } },
      { status: 503, body: { ok: false } },
    ];
    await expect(notifier().postMessage({ channel: 'C1', text: 'x' })).rejects.toMatchObject({
      message: 'Slack chat.postMessage failed: HTTP 503',
    });
    expect(received.map((r) => r.method)).toEqual(['chat.postMessage', 'chat.postMessage']);
  });

  it('does not retry a client error (4xx other than 429)', async () => {
    answers['chat.update'] = [{ status: 403, body: { ok: false } }];
    await expect(notifier().updateMessage({ channel: 'C1', ts: '1.2', text: 'x' })).rejects.toMatchObject({
      message: 'Slack chat.update failed: HTTP 403',
    });
    expect(received).toHaveLength(1);
  });

  it('ends a call Slack never answers within its 2.5-second budget, after one retry', async () => {
    answers['chat.update'] = [
      { hang: true, body: null },
      { hang: true, body: null },
    ];
    const started = Date.now();
    await expect(notifier().updateMessage({ channel: 'C1', ts: '1.2', text: 'x' })).rejects.toMatchObject({
      message: 'Slack chat.update failed: request failed (network)',
    });
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(2400);
    expect(elapsed).toBeLessThan(2900);
    expect(received.map((r) => r.method)).toEqual(['chat.update', 'chat.update']);
  });

  it('refuses an answer that is not Slack JSON, and one too large to be Slack’s, without a retry', async () => {
    answers['chat.postEphemeral'] = [
      { raw: '<html>proxy error</html>', body: null },
      { raw: JSON.stringify({ ok: true, pad: 'x'.repeat(2 << 20) }), body: null },
    ];
    for (let i = 0; i < 2; i++) {
      await expect(
        notifier().postEphemeral({ channel: 'C1', user: 'U0BOB', text: 'x' }),
      ).rejects.toMatchObject({ message: 'Slack chat.postEphemeral failed: unexpected answer' });
    }
    expect(received).toHaveLength(2);
  });
});

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
 * WebClient sent them) and answers with whatever the test queued for that method.
 */
let server: Server;
let apiUrl: string;
let received: Received[] = [];
let answers: Record<string, { status?: number; headers?: Record<string, string>; body: unknown }[]> = {};

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
      res.writeHead(answer.status ?? 200, { 'content-type': 'application/json', ...answer.headers });
      res.end(JSON.stringify(answer.body));
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
/** WebClient form-encodes arguments and JSON-encodes structured ones (blocks). */
const blocksOf = (args: Record<string, unknown>) =>
  typeof args.blocks === 'string' ? (JSON.parse(args.blocks) as unknown) : args.blocks;

describe('Slack notifier on @slack/web-api (local fake Slack)', () => {
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
    expect(received[0]).toMatchObject({ method: 'chat.postMessage', authorization: `Bearer ${TOKEN}` });
    expect(received[0]?.args).toMatchObject({ channel: 'C0APPROVALS', text: message.text });
    expect(blocksOf(received[0]!.args)).toEqual(message.blocks);
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
});

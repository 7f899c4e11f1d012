import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { IncomingMessage, RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import * as z from 'zod/mini';
import type { SlackMessage } from '../core/api/slack-interaction.js';
import { CachegateError } from '../core/errors.js';
import { createAwsClient } from './clients.js';

/** The Slack calls cachegate makes (a port: Slack's Web API in AWS, a recorder locally). */
export interface SlackNotifier {
  postMessage(message: SlackMessage): Promise<{ channel: string; ts: string }>;
  updateMessage(message: SlackMessage & { ts: string }): Promise<void>;
  postEphemeral(message: SlackMessage & { user: string }): Promise<void>;
}

export class SlackApiError extends CachegateError {
  override readonly name: string = 'SlackApiError';
  constructor(method: string, error: string) {
    super('SLACK_API', `Slack ${method} failed: ${error}`);
  }
}

export interface WebApiOptions {
  /** Slack's Web API base URL; tests point it at a local fake Slack (plain HTTP on 127.0.0.1). */
  slackApiUrl?: string;
}

const SLACK_API_URL = 'https://slack.com/api/';
/** Both attempts and the pause between them end within this, inside Slack's 3-second budget. */
const CALL_BUDGET_MS = 2500;
/** The first attempt's share, which leaves a retry room to complete. */
const FIRST_ATTEMPT_MS = 1500;
const RETRY_PAUSE_MS = 200;
/** A retry with less time than this left is not made: it could not complete. */
const MIN_ATTEMPT_MS = 300;
/** A Web API answer is a few hundred bytes; anything far larger is not Slack's. */
const MAX_ANSWER_BYTES = 1 << 20;

/**
 * Slack's Web API (chat.postMessage, chat.update, chat.postEphemeral) with the bot token: an HTTPS
 * POST of a JSON body to `https://slack.com/api/<method>` with `Authorization: Bearer <token>`,
 * answered by JSON `{ok, error?, ...}` (Slack: "Web API basics", JSON-encoded bodies). Budgeted for
 * Slack's 3-second interaction deadline: the first attempt gets 1.5 s; a network failure, a
 * timeout or a 5xx is retried once after 200 ms, within what is left of 2.5 s; a rate-limited
 * call (HTTP 429) fails at once instead of waiting for `Retry-After`. Errors carry Slack's error code only, never the token.
 *
 * Node's own HTTPS client instead of `@slack/web-api`: three methods need no SDK, whose client
 * (p-queue, p-retry, its logger and types) was ~70 KB of every Slack-calling bundle, compiled on
 * every cold start, and whose first call loaded Node's `fetch` (undici), which nothing else in a
 * Lambda uses (docs/cold-start.md).
 */
export function webApiSlackNotifier(botToken: string, options: WebApiOptions = {}): SlackNotifier {
  const base = new URL(options.slackApiUrl ?? SLACK_API_URL);
  const call = async (method: string, args: object): Promise<Record<string, unknown>> => {
    const deadline = Date.now() + CALL_BUDGET_MS;
    let answer = await attempt(new URL(method, base), botToken, args, FIRST_ATTEMPT_MS);
    if (answer.kind === 'retry' && deadline - Date.now() - RETRY_PAUSE_MS >= MIN_ATTEMPT_MS) {
      await new Promise((resolve) => setTimeout(resolve, RETRY_PAUSE_MS));
      answer = await attempt(new URL(method, base), botToken, args, deadline - Date.now());
    }
    if (answer.kind !== 'ok') throw new SlackApiError(method, answer.error);
    if (answer.body.ok !== true) {
      throw new SlackApiError(
        method,
        typeof answer.body.error === 'string' ? answer.body.error : 'unexpected answer',
      );
    }
    return answer.body;
  };
  return {
    async postMessage(message) {
      const result = await call('chat.postMessage', message);
      return { channel: String(result.channel), ts: String(result.ts) };
    },
    async updateMessage(message) {
      await call('chat.update', message);
    },
    async postEphemeral(message) {
      await call('chat.postEphemeral', message);
    },
  };
}

type Attempt =
  | { kind: 'ok'; body: Record<string, unknown> }
  /** What failed on the way, never a message body: retried once. */
  | { kind: 'retry'; error: string }
  | { kind: 'fail'; error: string };

/** One POST that ends within `timeoutMs`; never rejects. */
async function attempt(url: URL, botToken: string, args: object, timeoutMs: number): Promise<Attempt> {
  const body = JSON.stringify(args);
  const options: RequestOptions = {
    method: 'POST',
    headers: {
      authorization: `Bearer ${botToken}`,
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(body),
    },
    signal: AbortSignal.timeout(timeoutMs),
  };
  // Plain HTTP only for the local fake Slack of the tests; Node's http module is loaded then only.
  const send = url.protocol === 'https:' ? httpsRequest : (await import('node:http')).request;
  return new Promise<Attempt>((resolve) => {
    const req = send(url, options, (res: IncomingMessage) => {
      const status = res.statusCode ?? 0;
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size <= MAX_ANSWER_BYTES) return void chunks.push(chunk);
        resolve({ kind: 'fail', error: 'unexpected answer' });
        req.destroy();
      });
      res.on('error', () => resolve({ kind: 'retry', error: 'request failed (network)' }));
      res.on('end', () => {
        if (status === 429) return resolve({ kind: 'fail', error: 'rate limited' });
        if (status >= 500) return resolve({ kind: 'retry', error: `HTTP ${status}` });
        if (status < 200 || status >= 300) return resolve({ kind: 'fail', error: `HTTP ${status}` });
        try {
          const parsed: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'));
          if (parsed && typeof parsed === 'object')
            return resolve({ kind: 'ok', body: parsed as Record<string, unknown> });
        } catch {
          // falls through: not JSON
        }
        resolve({ kind: 'fail', error: 'unexpected answer' });
      });
    });
    req.on('error', () => resolve({ kind: 'retry', error: 'request failed (network)' }));
    req.end(body);
  });
}

const slackSecretSchema = z.object({
  signingSecret: z.string().check(z.minLength(8)),
  botToken: z.string().check(z.minLength(8)),
});
export type SlackCredentials = z.infer<typeof slackSecretSchema>;

let cached: { secretId: string; credentials: Promise<SlackCredentials> } | undefined;

/**
 * The signing secret and bot token, from the Secrets Manager secret `SLACK_SECRET_ARN` (JSON
 * `{signingSecret, botToken}`), read once per cold start. Never logged, never in an error.
 */
export function slackCredentials(): Promise<SlackCredentials> {
  const secretId = process.env.SLACK_SECRET_ARN;
  if (!secretId) return Promise.reject(new Error('SLACK_SECRET_ARN is not configured'));
  if (cached?.secretId !== secretId) {
    const credentials = (async () => {
      const client = createAwsClient(SecretsManagerClient, {});
      const { SecretString } = await client.send(new GetSecretValueCommand({ SecretId: secretId }));
      const parsed = z.safeParse(slackSecretSchema, JSON.parse(SecretString ?? '{}'));
      if (!parsed.success) throw new Error('the Slack secret must be JSON {signingSecret, botToken}');
      return parsed.data;
    })();
    // A failed read is not cached: the next invocation tries again.
    credentials.catch(() => (cached = undefined));
    cached = { secretId, credentials };
  }
  return cached.credentials;
}

const HOOK_KEY = Symbol.for('cachegate.slackNotifier');
const hooks = globalThis as unknown as { [HOOK_KEY]?: SlackNotifier };

/** Locally (sandbox, `cachegate serve`, tests): a notifier that records instead of calling Slack. */
export function setSlackNotifier(notifier: SlackNotifier | undefined): void {
  hooks[HOOK_KEY] = notifier;
}

/** The notifier to use: the local one if installed, else Slack's Web API if Slack is configured. */
export async function slackNotifier(): Promise<SlackNotifier | undefined> {
  const local = hooks[HOOK_KEY];
  if (local) return local;
  if (!process.env.SLACK_SECRET_ARN) return undefined;
  const { botToken } = await slackCredentials();
  if (webApi?.botToken !== botToken) webApi = { botToken, notifier: webApiSlackNotifier(botToken) };
  return webApi.notifier;
}

/** One notifier per cold start (per bot token). */
let webApi: { botToken: string; notifier: SlackNotifier } | undefined;

import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { z } from 'zod';
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
  constructor(method: string, error: string) {
    super('SLACK_API', `Slack ${method} failed: ${error}`);
  }
}

/** Minimal `fetch` signature, so tests can pass a fake. */
export type Fetch = (
  url: string,
  init: { method: string; headers: Record<string, string>; body: string },
) => Promise<{ ok: boolean; status: number; json(): Promise<unknown> }>;

/**
 * Slack's Web API over HTTPS with the bot token (chat.postMessage, chat.update,
 * chat.postEphemeral). Written against `fetch` so it needs no SDK; `@slack/web-api`'s
 * `WebClient` offers the same three calls with retries and rate-limit handling.
 */
export function webApiSlackNotifier(
  botToken: string,
  fetchImpl: Fetch = fetch as unknown as Fetch,
): SlackNotifier {
  const call = async (method: string, body: Record<string, unknown>): Promise<Record<string, unknown>> => {
    const response = await fetchImpl(`https://slack.com/api/${method}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8', authorization: `Bearer ${botToken}` },
      body: JSON.stringify(body),
    });
    const result = (await response.json().catch(() => ({}))) as Record<string, unknown>;
    if (!response.ok || result.ok !== true)
      throw new SlackApiError(
        method,
        typeof result.error === 'string' ? result.error : `HTTP ${response.status}`,
      );
    return result;
  };
  return {
    async postMessage(message) {
      const result = await call('chat.postMessage', { ...message });
      return { channel: String(result.channel), ts: String(result.ts) };
    },
    async updateMessage(message) {
      await call('chat.update', { ...message });
    },
    async postEphemeral(message) {
      await call('chat.postEphemeral', { ...message });
    },
  };
}

const slackSecretSchema = z.object({ signingSecret: z.string().min(8), botToken: z.string().min(8) });
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
      const parsed = slackSecretSchema.safeParse(JSON.parse(SecretString ?? '{}'));
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
  return webApiSlackNotifier((await slackCredentials()).botToken);
}

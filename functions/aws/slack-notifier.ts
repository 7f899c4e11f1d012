import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ErrorCode, LogLevel, WebClient } from '@slack/web-api';
import * as z from 'zod';
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

export interface WebApiOptions {
  /** Slack's Web API base URL; tests point it at a local fake Slack. */
  slackApiUrl?: string;
}

/**
 * Slack's Web API through `@slack/web-api`'s WebClient with the bot token (chat.postMessage,
 * chat.update, chat.postEphemeral). Budgeted for Slack's 3-second interaction deadline: one quick
 * retry, a 2-second timeout per call, and a rate-limited call fails at once instead of waiting.
 * Errors carry Slack's error code only, never the token.
 */
export function webApiSlackNotifier(botToken: string, options: WebApiOptions = {}): SlackNotifier {
  const client = new WebClient(botToken, {
    ...(options.slackApiUrl ? { slackApiUrl: options.slackApiUrl } : {}),
    allowAbsoluteUrls: false,
    timeout: 2000,
    retryConfig: { retries: 1, minTimeout: 200, maxTimeout: 200 },
    rejectRateLimitedCalls: true,
    logLevel: LogLevel.ERROR,
  });
  const call = async <T>(method: string, send: () => Promise<T>): Promise<T> => {
    try {
      return await send();
    } catch (error) {
      throw new SlackApiError(method, slackErrorCode(error));
    }
  };
  return {
    async postMessage(message) {
      const result = await call('chat.postMessage', () => client.chat.postMessage(message));
      return { channel: String(result.channel), ts: String(result.ts) };
    },
    async updateMessage(message) {
      await call('chat.update', () => client.chat.update(message));
    },
    async postEphemeral(message) {
      await call('chat.postEphemeral', () => client.chat.postEphemeral(message));
    },
  };
}

/** Slack's own error code (`channel_not_found`), or what failed on the way; never a message body. */
function slackErrorCode(error: unknown): string {
  const e = error as { code?: string; data?: { error?: unknown }; statusCode?: number };
  if (e.code === ErrorCode.PlatformError && typeof e.data?.error === 'string') return e.data.error;
  if (e.code === ErrorCode.HTTPError) return `HTTP ${e.statusCode ?? 'error'}`;
  if (e.code === ErrorCode.RateLimitedError) return 'rate limited';
  if (e.code === ErrorCode.RequestError) return 'request failed (network)';
  return 'unexpected error';
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
  const { botToken } = await slackCredentials();
  if (webApi?.botToken !== botToken) webApi = { botToken, notifier: webApiSlackNotifier(botToken) };
  return webApi.notifier;
}

/** One WebClient per cold start (per bot token). */
let webApi: { botToken: string; notifier: SlackNotifier } | undefined;

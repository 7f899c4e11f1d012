import { createHmac, timingSafeEqual } from 'node:crypto';
import { CachegateError } from './errors.js';

/** Slack's replay window: a request whose timestamp is further than this from now is refused. */
export const SLACK_REPLAY_WINDOW_SECONDS = 5 * 60;

/** Why a request claiming to come from Slack was refused. Messages never include the secret. */
export class SlackSignatureError extends CachegateError {
  override readonly name: string = 'SlackSignatureError';
  constructor(code: string, message: string) {
    super(code, message, { exitCode: 2 });
  }
}

export class MissingSlackSignatureError extends SlackSignatureError {
  override readonly name: string = 'MissingSlackSignatureError';
  constructor(header: string) {
    super('SLACK_SIGNATURE_MISSING', `the ${header} header is missing or malformed`);
  }
}

export class StaleSlackTimestampError extends SlackSignatureError {
  override readonly name: string = 'StaleSlackTimestampError';
  constructor() {
    super(
      'SLACK_TIMESTAMP_STALE',
      `the request timestamp is more than ${SLACK_REPLAY_WINDOW_SECONDS / 60} minutes from now`,
    );
  }
}

export class BadSlackSignatureError extends SlackSignatureError {
  override readonly name: string = 'BadSlackSignatureError';
  constructor() {
    super('SLACK_SIGNATURE_INVALID', 'the request signature does not match its body');
  }
}

/** `v0=` + hex HMAC-SHA256 over `v0:{timestamp}:{raw body}` with the app's signing secret. */
export function slackSignature(signingSecret: string, timestamp: string, rawBody: string): string {
  const mac = createHmac('sha256', signingSecret).update(`v0:${timestamp}:${rawBody}`).digest('hex');
  return `v0=${mac}`;
}

export interface SignedSlackRequest {
  /** `X-Slack-Request-Timestamp` (seconds since the epoch). */
  timestamp: string | undefined;
  /** `X-Slack-Signature`. */
  signature: string | undefined;
  /** The body exactly as received: Slack signs the bytes, not a re-encoding of them. */
  rawBody: string;
}

/**
 * Verifies a Slack request (safety rule 5): the timestamp is within 5 minutes of `now` in
 * either direction, then the v0 signature is compared in constant time. Throws a typed error.
 */
export function verifySlackRequest(request: SignedSlackRequest, signingSecret: string, now: Date): void {
  const { timestamp, signature, rawBody } = request;
  if (!timestamp || !/^\d{1,12}$/.test(timestamp))
    throw new MissingSlackSignatureError('X-Slack-Request-Timestamp');
  if (!signature || !/^v0=[0-9a-f]{64}$/.test(signature))
    throw new MissingSlackSignatureError('X-Slack-Signature');
  if (Math.abs(Math.floor(now.getTime() / 1000) - Number(timestamp)) > SLACK_REPLAY_WINDOW_SECONDS)
    throw new StaleSlackTimestampError();
  const expected = Buffer.from(slackSignature(signingSecret, timestamp, rawBody));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given))
    throw new BadSlackSignatureError();
}

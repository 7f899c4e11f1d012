import { slackSignature } from '../../functions/core/slack-signature.js';
import { APPROVE_ACTION, REJECT_ACTION } from '../../functions/core/api/slack-interaction.js';
import type { HttpRequest } from './api-gateway.js';

/**
 * The request Slack sends when `user` clicks Approve or Reject on an approval message, signed
 * with the app's signing secret (tests, the demo and `cachegate approve` against `serve`).
 */
export function signedSlackClick(options: {
  signingSecret: string;
  approvalId: string;
  user: string;
  decision: 'APPROVED' | 'REJECTED';
  now?: Date;
  channel?: string;
  messageTs?: string;
}): HttpRequest {
  const payload = {
    type: 'block_actions',
    user: { id: options.user },
    container: {
      type: 'message',
      channel_id: options.channel ?? 'C0CACHEGATE',
      message_ts: options.messageTs ?? '1700000000.000001',
    },
    actions: [
      {
        type: 'button',
        action_id: options.decision === 'APPROVED' ? APPROVE_ACTION : REJECT_ACTION,
        value: options.approvalId,
      },
    ],
  };
  const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
  const timestamp = String(Math.floor((options.now ?? new Date()).getTime() / 1000));
  return {
    method: 'POST',
    path: '/slack/interactions',
    headers: {
      'Content-Type': 'application/x-www-form-urlencoded',
      'X-Slack-Request-Timestamp': timestamp,
      'X-Slack-Signature': slackSignature(options.signingSecret, timestamp, body),
    },
    body,
  };
}

import * as z from 'zod';
import { APPROVAL_ID_PATTERN, type AccessRequestKind, type Decision } from '../access-request.js';
import { ValidationError } from '../errors.js';

/** Button action IDs; each button's value is the approval ID and nothing else. */
export const APPROVE_ACTION = 'cachegate.approve';
export const REJECT_ACTION = 'cachegate.reject';

/** The fields of a Slack `block_actions` payload cachegate acts on (the rest is ignored). */
const blockActionsSchema = z.object({
  type: z.literal('block_actions'),
  user: z.object({ id: z.string().regex(/^[UW][A-Z0-9]{2,20}$/, 'must be a Slack user ID') }),
  container: z
    .object({ channel_id: z.string().min(1).optional(), message_ts: z.string().min(1).optional() })
    .optional(),
  channel: z.object({ id: z.string().min(1) }).optional(),
  message: z.object({ ts: z.string().min(1) }).optional(),
  actions: z
    .array(
      z.object({
        action_id: z.enum([APPROVE_ACTION, REJECT_ACTION]),
        value: z.string().regex(APPROVAL_ID_PATTERN, 'must be an approval ID'),
      }),
    )
    .length(1, 'must hold exactly one action'),
});

export interface SlackDecision {
  approvalId: string;
  /** The Slack user who clicked, from the signed payload: the approver. */
  approver: string;
  decision: Decision;
  /** Where the approval message is, to update it; absent for non-message surfaces. */
  message?: { channel: string; ts: string };
}

/** Parses the signed form body (`payload=<json>`) of a Slack interaction into a decision. */
export function parseSlackInteraction(rawBody: string): SlackDecision {
  const text = new URLSearchParams(rawBody).get('payload');
  if (text === null) throw new ValidationError('form field is required', 'payload');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new ValidationError('must be JSON', 'payload');
  }
  const result = blockActionsSchema.safeParse(json);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new ValidationError(issue?.message ?? 'is invalid', ['payload', ...(issue?.path ?? [])].join('.'));
  }
  const payload = result.data;
  const [action] = payload.actions as [(typeof payload.actions)[number]];
  const channel = payload.container?.channel_id ?? payload.channel?.id;
  const ts = payload.container?.message_ts ?? payload.message?.ts;
  return {
    approvalId: action.value,
    approver: payload.user.id,
    decision: action.action_id === APPROVE_ACTION ? 'APPROVED' : 'REJECTED',
    ...(channel && ts ? { message: { channel, ts } } : {}),
  };
}

export interface SlackMessage {
  channel: string;
  text: string;
  blocks?: unknown[];
}

/** The approval message: what is asked and by whom; the buttons carry only the approval ID. */
export function approvalRequestMessage(
  channel: string,
  approval: {
    approvalId: string;
    requestId: string;
    requester: string;
    justification: string;
    kind: AccessRequestKind;
  },
): SlackMessage {
  const what =
    approval.kind.type === 'cache-user'
      ? `cache user \`${approval.kind.userId}\` with \`${approval.kind.accessString}\` in ${approval.kind.userGroupIds.join(', ')}`
      : `VPN certificate for \`${approval.kind.commonName}\``;
  const text = `Access request ${approval.requestId} (approval ${approval.approvalId}): ${approval.requester} asks for ${what}.`;
  return {
    channel,
    text,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text } },
      { type: 'section', text: { type: 'plain_text', text: `Justification: ${approval.justification}` } },
      {
        type: 'actions',
        block_id: 'cachegate.decision',
        elements: [
          {
            type: 'button',
            action_id: APPROVE_ACTION,
            style: 'primary',
            text: { type: 'plain_text', text: 'Approve' },
            value: approval.approvalId,
          },
          {
            type: 'button',
            action_id: REJECT_ACTION,
            style: 'danger',
            text: { type: 'plain_text', text: 'Reject' },
            value: approval.approvalId,
          },
        ],
      },
    ],
  };
}

/** What the approval message becomes once decided: buttons gone, the decider named. */
export function decidedMessage(
  channel: string,
  approvalId: string,
  decision: Decision,
  approver: string,
): SlackMessage {
  const verb = decision === 'APPROVED' ? 'Approved' : 'Rejected';
  const text = `${verb} by <@${approver}> (approval ${approvalId}).`;
  return { channel, text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }] };
}

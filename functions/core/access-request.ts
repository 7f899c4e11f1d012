import { createHash } from 'node:crypto';
import * as z from 'zod/mini';
import { AccessStringError, normalizeAccessString } from './access-string/index.js';
import { CachegateError, ValidationError } from './errors.js';
import { validateCommonName } from './pki/ca-operations.js';
import { parseCsr } from './pki/csr.js';
import { MalformedInputError } from './pki/errors.js';
import { fromPem } from './pki/pem.js';
import { cacheIdentifierSchema, cacheUserNameSchema } from './rbac/onboarding.js';
import { HIDDEN_CHARACTERS, HIDDEN_CHARACTERS_MESSAGE } from './visible-text.js';

/**
 * A zod field transform that runs `check` and turns its typed error into an issue on that field
 * (zod/mini's transform context has no `addIssue`: the issue goes on the payload directly).
 */
function checked<T>(check: (value: T) => T, errors: (new (...args: never[]) => Error)[]) {
  return (value: T, context: z.core.ParsePayload): T => {
    try {
      return check(value);
    } catch (error) {
      if (!errors.some((type) => error instanceof type)) throw error;
      const message = (error as Error).message.replace(/^[\w .-]+: /, '');
      context.issues.push({ code: 'custom', message, input: value });
      return z.NEVER;
    }
  };
}

export const PEM_CSR =
  /^-----BEGIN CERTIFICATE REQUEST-----\r?\n(?:[A-Za-z0-9+/]{1,76}={0,2}\r?\n)+-----END CERTIFICATE REQUEST-----(?:\r?\n)?$/;

/** Free text a person reads: nothing hidden (no control or invisible formatting characters). */
const visible = (schema: z.ZodMiniString) =>
  schema.check(
    z.regex(new RegExp(`^(?:(?!${HIDDEN_CHARACTERS.source}).)*$`, 'su'), HIDDEN_CHARACTERS_MESSAGE),
  );

/**
 * What someone asks for: a cache RBAC user, or a Client VPN certificate. Every field is checked
 * here, when the request is made, by the same code the granting workflows run (IDs against
 * ElastiCache's patterns, the access string parsed and normalised, the CSR parsed and its key and
 * signature checked), so a request nobody could grant never reaches an approver. The access string
 * is stored normalised: what the approver is shown is what the user is created with. Unknown keys
 * are refused.
 */
export const accessRequestKindSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('cache-user'),
    userId: cacheIdentifierSchema,
    userName: cacheUserNameSchema,
    accessString: z.pipe(
      visible(z.string().check(z.minLength(1), z.maxLength(2048))),
      z.transform(checked((text: string) => normalizeAccessString(text), [AccessStringError])),
    ),
    userGroupIds: z.array(cacheIdentifierSchema).check(
      z.minLength(1),
      z.maxLength(100),
      z.refine((ids) => new Set(ids).size === ids.length, 'must not repeat a user group'),
    ),
  }),
  z.strictObject({
    type: z.literal('vpn-certificate'),
    commonName: z.pipe(
      z.string(),
      z.transform(checked((cn: string) => validateCommonName(cn), [ValidationError])),
    ),
    // Exactly one PEM block, lines of base64 and nothing else: the only line breaks a request may hold.
    csrPem: z.optional(
      z.pipe(
        z
          .string()
          .check(
            z.maxLength(16_384),
            z.regex(PEM_CSR, 'must be one PEM "CERTIFICATE REQUEST" block and nothing else'),
          ),
        z.transform(
          checked(
            (pem: string) => {
              parseCsr(fromPem(pem, 'CERTIFICATE REQUEST', 'csrPem'), 'csrPem');
              return pem;
            },
            [ValidationError, MalformedInputError],
          ),
        ),
      ),
    ),
  }),
]);

export const accessRequestSchema = z.object({
  requestId: z.string().check(z.regex(/^[A-Za-z0-9-]{8,64}$/, 'must be 8-64 letters, digits or hyphens')),
  requester: z.string().check(z.minLength(1), z.maxLength(128)),
  justification: visible(
    // The maximum counts surrounding spaces (as API Gateway's model does); the minimum does not.
    z
      .string()
      .check(z.maxLength(1000), z.trim(), z.minLength(10, 'must explain the need in at least 10 characters')),
  ),
  kind: accessRequestKindSchema,
});

export type AccessRequest = z.infer<typeof accessRequestSchema>;
export type AccessRequestKind = AccessRequest['kind'];

export type Decision = 'APPROVED' | 'REJECTED';

export class SelfApprovalError extends CachegateError {
  override readonly name: string = 'SelfApprovalError';
  constructor() {
    super('SELF_APPROVAL', 'the requester cannot decide their own request', { exitCode: 2 });
  }
}

export class ApproverNotAllowedError extends CachegateError {
  override readonly name: string = 'ApproverNotAllowedError';
  constructor(approver: string) {
    super('APPROVER_NOT_ALLOWED', `${approver} is not in the approvers group`, { exitCode: 2 });
  }
}

export class AlreadyDecidedError extends CachegateError {
  override readonly name: string = 'AlreadyDecidedError';
  constructor(approvalId: string) {
    super('ALREADY_DECIDED', `approval ${approvalId} was already decided or has expired`, { exitCode: 2 });
  }
}

/** What `approvalIdFor` makes: `AP-` and 10 characters of an alphabet without look-alikes. */
export const APPROVAL_ID_PATTERN = /^AP-[A-Z2-9]{10}$/;

/**
 * The short ID people and Slack see instead of the task token. Derived from the token so a
 * retried "ask for approval" step maps to the same approval, never a second one.
 */
export function approvalIdFor(taskToken: string): string {
  const digest = createHash('sha256').update(taskToken).digest();
  const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
  let id = '';
  for (let i = 0; i < 10; i += 1) id += alphabet[(digest[i] as number) % alphabet.length];
  return `AP-${id}`;
}

/**
 * The allowed approvers, from configuration (`APPROVERS`): a comma-separated list of people;
 * one person's identities on different channels are joined by `|`, e.g.
 * `U024BE7LH|arn:aws:iam::111111111111:user/alice,U0CAROL|carol@example.com`. A Slack user ID
 * and an IAM or Cognito identity of the same person must be listed together, or a requester
 * could approve their own request from Slack.
 */
export function parseApprovers(text: string | undefined): string[] {
  return (text ?? '')
    .split(',')
    .map((entry) =>
      entry
        .split('|')
        .map((identity) => identity.trim())
        .filter(Boolean)
        .join('|'),
    )
    .filter(Boolean);
}

/** Every identity of the person `identity` belongs to, if they are an allowed approver. */
function approverIdentities(identity: string, allowedApprovers: readonly string[]): string[] | undefined {
  return allowedApprovers.map((entry) => entry.split('|')).find((ids) => ids.includes(identity));
}

export function isApprover(identity: string, allowedApprovers: readonly string[]): boolean {
  return approverIdentities(identity, allowedApprovers) !== undefined;
}

/**
 * Safety rule 5: approver ≠ requester (under any of the approver's identities) and approver in
 * the allowed group.
 */
export function assertMayDecide(
  request: { requester: string },
  approver: string,
  allowedApprovers: readonly string[],
): void {
  if (approver === request.requester) throw new SelfApprovalError();
  const identities = approverIdentities(approver, allowedApprovers);
  if (!identities) throw new ApproverNotAllowedError(approver);
  if (identities.includes(request.requester)) throw new SelfApprovalError();
}

/** Fulfilment found no decision that grants this request; nothing is granted. */
export class NotApprovedError extends CachegateError {
  override readonly name: string = 'NotApprovedError';
  constructor(requestId: string, reason: string) {
    super('NOT_APPROVED', `access request ${requestId} has no valid approval: ${reason}`);
  }
}

/** What fulfilment reads back about the decision (the approval record, minus the task token). */
export interface RecordedDecision {
  approvalId: string;
  requestId: string;
  status: string;
  decidedBy?: string;
  decidedAt?: string;
  decideBy?: string;
}

/**
 * Fulfilment re-checks the decision on the server before anything is granted, so a task answered
 * by anything but the decision function (a stolen token, a bug) grants nothing: the request's
 * own approval must be APPROVED, by an allowed approver who is not the requester under any of
 * their identities, inside the approval window.
 */
export function assertApproved(
  request: { requestId: string; requester: string; approvalId?: string | undefined },
  approval: RecordedDecision | undefined,
  allowedApprovers: readonly string[],
): void {
  const refuse = (reason: string) => new NotApprovedError(request.requestId, reason);
  if (!approval || !request.approvalId || approval.approvalId !== request.approvalId)
    throw refuse('no approval was asked for it');
  if (approval.requestId !== request.requestId) throw refuse('the approval belongs to another request');
  if (approval.status !== 'APPROVED') throw refuse(`the approval is ${approval.status}`);
  const { decidedBy, decidedAt, decideBy } = approval;
  if (!decidedBy || !decidedAt || !decideBy) throw refuse('the decision is incomplete');
  if (!(Date.parse(decidedAt) <= Date.parse(decideBy))) throw refuse('it was decided after the window');
  try {
    assertMayDecide(request, decidedBy, allowedApprovers);
  } catch (error) {
    if (error instanceof SelfApprovalError || error instanceof ApproverNotAllowedError)
      throw refuse(error.message);
    throw error;
  }
}

/**
 * The request ID of an API request: derived from who asked and their idempotency key, so a
 * repeated call names the same request (and the same workflow execution), and two requesters
 * can never collide on a key.
 */
export function accessRequestIdFor(requester: string, idempotencyKey: string): string {
  const digest = createHash('sha256').update(`${requester}\n${idempotencyKey}`).digest('hex');
  return `req-${digest.slice(0, 32)}`;
}

/** A stable fingerprint of what was asked, to tell a repeated request from a reused key. */
export function requestFingerprint(body: { kind: AccessRequestKind; justification: string }): string {
  return createHash('sha256').update(canonicalJson(body)).digest('hex');
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

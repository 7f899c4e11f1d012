import * as z from 'zod/mini';
import {
  accessRequestIdFor,
  accessRequestKindSchema,
  accessRequestSchema,
  isApprover,
  requestFingerprint,
  type AccessRequest,
  type AccessRequestKind,
} from '../access-request.js';
import { ConflictError, NotFoundError, ValidationError } from '../errors.js';
import { callerIdentity, header, parseJsonBody, type ApiGatewayEvent } from './http.js';

/**
 * POST /access-requests body. The requester is *not* a field: it is the authenticated caller.
 * Unknown keys are refused so a client cannot believe it set something it did not.
 */
export const createAccessRequestBodySchema = z.strictObject({
  kind: accessRequestKindSchema,
  justification: accessRequestSchema.shape.justification,
});

export const IDEMPOTENCY_KEY_HEADER = 'Idempotency-Key';
const idempotencyKeyPattern = /^[A-Za-z0-9_.:-]{8,128}$/;
const requestIdPattern = /^[A-Za-z0-9-]{8,64}$/;

export interface CreateAccessRequestCommand {
  request: AccessRequest;
  /** Fingerprint of what was asked: the same key with another body is a conflict. */
  fingerprint: string;
}

/** Everything POST /access-requests needs, parsed; throws a 4xx-mapped error otherwise. */
export function parseCreateAccessRequest(
  event: ApiGatewayEvent,
  personalSessionRoles: readonly string[] = [],
): CreateAccessRequestCommand {
  const requester = callerIdentity(event, personalSessionRoles);
  const key = header(event, IDEMPOTENCY_KEY_HEADER);
  if (key === undefined) throw new ValidationError('header is required', IDEMPOTENCY_KEY_HEADER);
  if (!idempotencyKeyPattern.test(key))
    throw new ValidationError('must be 8-128 of letters, digits, _ . : -', IDEMPOTENCY_KEY_HEADER);
  const body = parseJsonBody(event, createAccessRequestBodySchema, { multiline: ['kind.csrPem'] });
  const request: AccessRequest = {
    requestId: accessRequestIdFor(requester, key),
    requester,
    justification: body.justification,
    kind: body.kind,
  };
  return { request, fingerprint: requestFingerprint(body) };
}

/** The `{id}` path parameter. */
export function parseRequestIdPath(event: ApiGatewayEvent): string {
  const id = event.pathParameters?.id;
  if (typeof id !== 'string' || !requestIdPattern.test(id))
    throw new ValidationError('must be 8-64 letters, digits or hyphens', 'id');
  return id;
}

/** POST /access-requests/{id}/revoke body: empty, or an optional reason. */
export const revokeBodySchema = z.strictObject({
  reason: z.optional(z.string().check(z.trim(), z.minLength(1), z.maxLength(200))),
});

/** What the API stores and shows about a request (no task token lives here). */
export interface AccessRequestRecord {
  requestId: string;
  requester: string;
  justification: string;
  kind: AccessRequestKind;
  status: string;
  createdAt: string;
  updatedAt: string;
  approvalId?: string;
  decidedBy?: string;
  revokedBy?: string;
  /** Which revocation attempt is (or was last) running: 1 unless a failed one was retried. */
  revocationAttempt?: number;
}

/**
 * Who may read or revoke a request: its requester and the approvers. Anyone else is told it
 * does not exist (404, not 403), so request IDs cannot be probed.
 */
export function assertMayAccess(
  request: Pick<AccessRequestRecord, 'requestId' | 'requester'>,
  caller: string,
  approvers: readonly string[],
): void {
  if (caller === request.requester || isApprover(caller, approvers)) return;
  throw new NotFoundError(`access request ${request.requestId} does not exist`);
}

/** The response body for a request: status and what was asked; never a CSR, token or ARN. */
export function accessRequestView(request: AccessRequestRecord) {
  const { kind } = request;
  return {
    requestId: request.requestId,
    status: request.status,
    requester: request.requester,
    justification: request.justification,
    kind:
      kind.type === 'cache-user'
        ? {
            type: kind.type,
            userId: kind.userId,
            userName: kind.userName,
            accessString: kind.accessString,
            userGroupIds: kind.userGroupIds,
          }
        : { type: kind.type, commonName: kind.commonName, withCsr: kind.csrPem !== undefined },
    createdAt: request.createdAt,
    updatedAt: request.updatedAt,
    ...(request.approvalId ? { approvalId: request.approvalId } : {}),
    ...(request.decidedBy ? { decidedBy: request.decidedBy } : {}),
    ...(request.revokedBy ? { revokedBy: request.revokedBy } : {}),
    ...((request.revocationAttempt ?? 1) > 1 ? { revocationAttempt: request.revocationAttempt } : {}),
  };
}

/** The workflows that take a granted access away, by request kind (named by convention). */
export const REVOKING_WORKFLOW = {
  'cache-user': 'offboard-user',
  'vpn-certificate': 'revoke-certificate',
} as const;

export interface Revocation {
  workflow: (typeof REVOKING_WORKFLOW)[AccessRequestKind['type']];
  executionName: string;
  input: Record<string, string>;
  /** 1 for the first revocation, n for the n-th (a failed one retried). */
  attempt: number;
  /** False when the revocation is already running: nothing is started. */
  start: boolean;
}

/**
 * What revoking a request starts. A granted request starts `revoke-<requestId>`; one whose
 * revocation failed starts the next attempt, `revoke-<requestId>-<n>` (an execution name cannot
 * be reused for 90 days); one being revoked names the running execution, so a repeated call
 * starts nothing new. Anything else cannot be revoked.
 */
export function planRevocation(request: AccessRequestRecord, caller: string, reason?: string): Revocation {
  if (!['FULFILLED', 'REVOKING', 'REVOKE_FAILED'].includes(request.status))
    throw new ConflictError(
      `access request ${request.requestId} is ${request.status}; only a granted one can be revoked`,
    );
  const base = { requestId: request.requestId, requestedBy: caller, ...(reason ? { reason } : {}) };
  const { kind } = request;
  const retry = request.status === 'REVOKE_FAILED';
  const attempt = (request.revocationAttempt ?? 1) + (retry ? 1 : 0);
  return {
    workflow: REVOKING_WORKFLOW[kind.type],
    executionName: attempt === 1 ? `revoke-${request.requestId}` : `revoke-${request.requestId}-${attempt}`,
    attempt,
    start: request.status !== 'REVOKING',
    input:
      kind.type === 'cache-user'
        ? { ...base, userId: kind.userId }
        : { ...base, commonName: kind.commonName },
  };
}

/**
 * The end state of a revocation, from the status of its `revoke-<requestId>` execution:
 * undefined while it runs (the request stays REVOKING).
 */
export function revocationOutcome(executionStatus: string): 'REVOKED' | 'REVOKE_FAILED' | undefined {
  if (executionStatus === 'SUCCEEDED') return 'REVOKED';
  if (['FAILED', 'TIMED_OUT', 'ABORTED'].includes(executionStatus)) return 'REVOKE_FAILED';
  return undefined;
}

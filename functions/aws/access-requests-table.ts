import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { AlreadyDecidedError, type AccessRequest, type Decision } from '../core/access-request.js';
import { ConflictError, NotFoundError } from '../core/errors.js';
import { createAwsClient } from './clients.js';
import { ACCESS_REQUEST_ITEMS, ACCESS_REQUESTS_TABLE, tableName } from './table-definitions.js';

export type RequestStatus =
  | 'PENDING_APPROVAL'
  | 'APPROVED'
  | 'REJECTED'
  | 'FULFILLED'
  | 'FAILED'
  | 'REVOKING'
  | 'REVOKED'
  | 'REVOKE_FAILED';

export interface StoredRequest extends AccessRequest {
  status: RequestStatus;
  createdAt: string;
  updatedAt: string;
  approvalId?: string;
  decidedBy?: string;
  executionArn?: string;
  revokedBy?: string;
  revocationExecutionArn?: string;
  /** Which revocation attempt `revocationExecutionArn` is (absent: the first). */
  revocationAttempt?: number;
  /** When the revoking workflow was seen to end (REVOKED / REVOKE_FAILED). */
  revocationEndedAt?: string;
}

export interface StoredApproval {
  approvalId: string;
  requestId: string;
  requester: string;
  taskToken: string;
  status: 'PENDING' | Decision | 'EXPIRED';
  decidedBy?: string;
  decidedAt?: string;
  /** Set once the approval message went out (Slack), so a retried step does not post twice. */
  notifiedAt?: string;
  /** End of the approval window: a decision recorded later does not count. */
  decideBy?: string;
  /** Set once the recorded decision reached the workflow (or it had stopped waiting). */
  answeredAt?: string;
}

/** An API request's idempotency key, claimed before its workflow starts. */
export interface IdempotencyClaim {
  requestId: string;
  fingerprint: string;
  request: AccessRequest;
  createdAt: string;
}

let documentClient: DynamoDBDocumentClient | undefined;
function client(): DynamoDBDocumentClient {
  documentClient ??= DynamoDBDocumentClient.from(createAwsClient(DynamoDBClient, {}), {
    marshallOptions: { removeUndefinedValues: true },
  });
  return documentClient;
}

const requestKey = (requestId: string) => ({ pk: `${ACCESS_REQUEST_ITEMS.request}${requestId}` });
const approvalKey = (approvalId: string) => ({ pk: `${ACCESS_REQUEST_ITEMS.approval}${approvalId}` });
const claimKey = (requestId: string) => ({ pk: `${ACCESS_REQUEST_ITEMS.idempotencyClaim}${requestId}` });
const slackRequestKey = (signature: string) => ({ pk: `${ACCESS_REQUEST_ITEMS.slackRequest}${signature}` });

/** Stores a new request once; a retry (same request ID) returns the stored one unchanged. */
export async function recordRequest(
  request: AccessRequest,
  now: Date,
): Promise<{ request: StoredRequest; created: boolean }> {
  const item: StoredRequest = {
    ...request,
    status: 'PENDING_APPROVAL',
    createdAt: now.toISOString(),
    updatedAt: now.toISOString(),
  };
  try {
    await client().send(
      new PutCommand({
        TableName: tableName(ACCESS_REQUESTS_TABLE),
        Item: { ...requestKey(request.requestId), ...item },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
    return { request: item, created: true };
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
    return { request: await getRequest(request.requestId), created: false };
  }
}

export async function getRequest(requestId: string): Promise<StoredRequest> {
  const request = await findRequest(requestId);
  if (!request) throw new NotFoundError(`access request ${requestId} does not exist`);
  return request;
}

export async function findRequest(requestId: string): Promise<StoredRequest | undefined> {
  const { Item } = await client().send(
    new GetCommand({
      TableName: tableName(ACCESS_REQUESTS_TABLE),
      Key: requestKey(requestId),
      ConsistentRead: true,
    }),
  );
  if (!Item) return undefined;
  const { pk: _pk, ...request } = Item;
  return request as StoredRequest;
}

/**
 * Claims an API idempotency key (its request ID) with a conditional write. A repeat with the
 * same body returns `created: false`; the same key with a different body is a conflict.
 */
export async function claimIdempotencyKey(
  claim: Omit<IdempotencyClaim, 'createdAt'>,
  now: Date,
): Promise<{ claim: IdempotencyClaim; created: boolean }> {
  const item: IdempotencyClaim = { ...claim, createdAt: now.toISOString() };
  try {
    await client().send(
      new PutCommand({
        TableName: tableName(ACCESS_REQUESTS_TABLE),
        Item: { ...claimKey(claim.requestId), ...item },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
    return { claim: item, created: true };
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
    const existing = await findIdempotencyClaim(claim.requestId);
    if (!existing || existing.fingerprint !== claim.fingerprint) {
      throw new ConflictError('this Idempotency-Key was already used for a different request');
    }
    return { claim: existing, created: false };
  }
}

export async function findIdempotencyClaim(requestId: string): Promise<IdempotencyClaim | undefined> {
  const { Item } = await client().send(
    new GetCommand({
      TableName: tableName(ACCESS_REQUESTS_TABLE),
      Key: claimKey(requestId),
      ConsistentRead: true,
    }),
  );
  if (!Item) return undefined;
  const { pk: _pk, ...claim } = Item;
  return claim as IdempotencyClaim;
}

/**
 * Moves a granted request (attempt 1) or one whose revocation failed (the next attempt) to
 * REVOKING with a conditional write on the status and the attempt it replaces. Returns true for
 * the call that made the change, false for a repeat (already REVOKING this attempt); anything
 * else is a conflict.
 */
export async function markRevoking(
  requestId: string,
  revokedBy: string,
  revocationExecutionArn: string,
  attempt: number,
  now: Date,
): Promise<boolean> {
  const retry = attempt > 1;
  try {
    await client().send(
      new UpdateCommand({
        TableName: tableName(ACCESS_REQUESTS_TABLE),
        Key: requestKey(requestId),
        // A record from before attempts were counted has none: its failed attempt was the first.
        ConditionExpression: !retry
          ? '#status = :fulfilled'
          : attempt === 2
            ? '#status = :failed AND (attribute_not_exists(revocationAttempt) OR revocationAttempt = :previous)'
            : '#status = :failed AND revocationAttempt = :previous',
        UpdateExpression:
          'SET #status = :revoking, revokedBy = :by, revocationExecutionArn = :arn, revocationAttempt = :attempt, updatedAt = :now REMOVE revocationEndedAt',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ...(retry
            ? { ':failed': 'REVOKE_FAILED', ':previous': attempt - 1 }
            : { ':fulfilled': 'FULFILLED' }),
          ':revoking': 'REVOKING',
          ':by': revokedBy,
          ':arn': revocationExecutionArn,
          ':attempt': attempt,
          ':now': now.toISOString(),
        },
      }),
    );
    return true;
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
    const current = await findRequest(requestId);
    if (current?.status === 'REVOKING' && (current.revocationAttempt ?? 1) === attempt) return false;
    throw new ConflictError(`access request ${requestId} is not granted; it cannot be revoked`);
  }
}

/**
 * Records how a revocation ended (REVOKING → REVOKED or REVOKE_FAILED), once: the conditional
 * write only applies while the request is REVOKING, so concurrent readers agree. Returns the
 * status the request has afterwards.
 */
export async function finishRevocation(
  requestId: string,
  outcome: 'REVOKED' | 'REVOKE_FAILED',
  now: Date,
): Promise<RequestStatus> {
  try {
    await client().send(
      new UpdateCommand({
        TableName: tableName(ACCESS_REQUESTS_TABLE),
        Key: requestKey(requestId),
        ConditionExpression: '#status = :revoking',
        UpdateExpression: 'SET #status = :outcome, revocationEndedAt = :now, updatedAt = :now',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':revoking': 'REVOKING',
          ':outcome': outcome,
          ':now': now.toISOString(),
        },
      }),
    );
    return outcome;
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
    return (await getRequest(requestId)).status;
  }
}

/**
 * Remembers a signed Slack request until its replay window has passed. Returns false when the
 * same signature was seen before: a replay, which must change nothing.
 */
export async function rememberSlackRequest(signature: string, expiresAt: Date): Promise<boolean> {
  try {
    await client().send(
      new PutCommand({
        TableName: tableName(ACCESS_REQUESTS_TABLE),
        Item: { ...slackRequestKey(signature), expiresAt: Math.floor(expiresAt.getTime() / 1000) },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
}

export async function updateRequest(
  requestId: string,
  changes: Partial<Pick<StoredRequest, 'status' | 'approvalId' | 'decidedBy' | 'executionArn'>>,
  now: Date,
): Promise<void> {
  const entries = Object.entries({ ...changes, updatedAt: now.toISOString() }).filter(
    ([, v]) => v !== undefined,
  );
  await client().send(
    new UpdateCommand({
      TableName: tableName(ACCESS_REQUESTS_TABLE),
      Key: requestKey(requestId),
      ConditionExpression: 'attribute_exists(pk)',
      UpdateExpression: `SET ${entries.map(([k]) => `#${k} = :${k}`).join(', ')}`,
      ExpressionAttributeNames: Object.fromEntries(entries.map(([k]) => [`#${k}`, k])),
      ExpressionAttributeValues: Object.fromEntries(entries.map(([k, v]) => [`:${k}`, v])),
    }),
  );
}

/**
 * Keeps the task token under the short approval ID (idempotent for the same token). Returns
 * the approval as stored, so a retried step sees whether its message already went out.
 */
export async function storeApproval(
  approval: Omit<StoredApproval, 'status' | 'decideBy'>,
  decideBy: Date,
  expiresAt: Date,
): Promise<StoredApproval> {
  try {
    const { Attributes } = await client().send(
      new UpdateCommand({
        TableName: tableName(ACCESS_REQUESTS_TABLE),
        Key: approvalKey(approval.approvalId),
        ConditionExpression: 'attribute_not_exists(pk) OR (taskToken = :token AND #status = :pending)',
        UpdateExpression:
          'SET approvalId = :id, requestId = :requestId, requester = :requester, taskToken = :token, #status = :pending, expiresAt = :expiresAt, decideBy = if_not_exists(decideBy, :decideBy)',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':id': approval.approvalId,
          ':requestId': approval.requestId,
          ':requester': approval.requester,
          ':token': approval.taskToken,
          ':pending': 'PENDING',
          ':expiresAt': Math.floor(expiresAt.getTime() / 1000),
          ':decideBy': decideBy.toISOString(),
        },
        ReturnValues: 'ALL_NEW',
      }),
    );
    const { pk: _pk, expiresAt: _expiresAt, ...stored } = Attributes ?? {};
    return stored as StoredApproval;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) throw new AlreadyDecidedError(approval.approvalId);
    throw error;
  }
}

export async function getApproval(approvalId: string): Promise<StoredApproval> {
  const { Item } = await client().send(
    new GetCommand({
      TableName: tableName(ACCESS_REQUESTS_TABLE),
      Key: approvalKey(approvalId),
      ConsistentRead: true,
    }),
  );
  if (!Item) throw new NotFoundError(`approval ${approvalId} does not exist`);
  return Item as unknown as StoredApproval;
}

/**
 * Applies a decision exactly once: the conditional write only succeeds while the approval is
 * still PENDING and inside its window, so a double click, a replayed request or a click after
 * the workflow's own timeout check changes nothing.
 */
export async function recordDecision(
  approvalId: string,
  decision: Decision,
  approver: string,
  now: Date,
): Promise<StoredApproval> {
  try {
    const { Attributes } = await client().send(
      new UpdateCommand({
        TableName: tableName(ACCESS_REQUESTS_TABLE),
        Key: approvalKey(approvalId),
        ConditionExpression: '#status = :pending AND (attribute_not_exists(decideBy) OR decideBy > :now)',
        UpdateExpression: 'SET #status = :decision, decidedBy = :approver, decidedAt = :now',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':pending': 'PENDING',
          ':decision': decision,
          ':approver': approver,
          ':now': now.toISOString(),
        },
        ReturnValues: 'ALL_NEW',
      }),
    );
    return Attributes as unknown as StoredApproval;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) throw new AlreadyDecidedError(approvalId);
    throw error;
  }
}

/** Records that the decision reached the workflow: a retry then has nothing left to send. */
export async function markApprovalAnswered(approvalId: string, now: Date): Promise<void> {
  await client().send(
    new UpdateCommand({
      TableName: tableName(ACCESS_REQUESTS_TABLE),
      Key: approvalKey(approvalId),
      ConditionExpression: 'attribute_exists(pk)',
      UpdateExpression: 'SET answeredAt = if_not_exists(answeredAt, :now)',
      ExpressionAttributeValues: { ':now': now.toISOString() },
    }),
  );
}

/** Records that the approval message went out. */
export async function markApprovalNotified(approvalId: string, now: Date): Promise<void> {
  await client().send(
    new UpdateCommand({
      TableName: tableName(ACCESS_REQUESTS_TABLE),
      Key: approvalKey(approvalId),
      ConditionExpression: 'attribute_exists(pk)',
      UpdateExpression: 'SET notifiedAt = :now',
      ExpressionAttributeValues: { ':now': now.toISOString() },
    }),
  );
}

/**
 * Closes an approval nobody can answer any more (its workflow timed out or ended): a late
 * click then fails the conditional write in `recordDecision` and changes nothing. Returns the
 * approval as it is afterwards: EXPIRED, or the decision recorded before this write.
 */
export async function expireApproval(approvalId: string, now: Date): Promise<StoredApproval> {
  try {
    const { Attributes } = await client().send(
      new UpdateCommand({
        TableName: tableName(ACCESS_REQUESTS_TABLE),
        Key: approvalKey(approvalId),
        ConditionExpression: '#status = :pending',
        UpdateExpression: 'SET #status = :expired, decidedAt = :now',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':pending': 'PENDING',
          ':expired': 'EXPIRED',
          ':now': now.toISOString(),
        },
        ReturnValues: 'ALL_NEW',
      }),
    );
    return Attributes as unknown as StoredApproval;
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
    return getApproval(approvalId);
  }
}

import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { AlreadyDecidedError, type AccessRequest, type Decision } from '../core/access-request.js';
import { NotFoundError } from '../core/errors.js';
import { createAwsClient } from './clients.js';
import { ACCESS_REQUESTS_TABLE, tableName } from './table-definitions.js';

export type RequestStatus = 'PENDING_APPROVAL' | 'APPROVED' | 'REJECTED' | 'FULFILLED' | 'FAILED';

export interface StoredRequest extends AccessRequest {
  status: RequestStatus;
  createdAt: string;
  updatedAt: string;
  approvalId?: string;
  decidedBy?: string;
  executionArn?: string;
}

export interface StoredApproval {
  approvalId: string;
  requestId: string;
  requester: string;
  taskToken: string;
  status: 'PENDING' | Decision;
  decidedBy?: string;
  decidedAt?: string;
}

let documentClient: DynamoDBDocumentClient | undefined;
function client(): DynamoDBDocumentClient {
  documentClient ??= DynamoDBDocumentClient.from(createAwsClient(DynamoDBClient, {}), {
    marshallOptions: { removeUndefinedValues: true },
  });
  return documentClient;
}

const requestKey = (requestId: string) => ({ pk: `REQUEST#${requestId}` });
const approvalKey = (approvalId: string) => ({ pk: `APPROVAL#${approvalId}` });

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
  const { Item } = await client().send(
    new GetCommand({
      TableName: tableName(ACCESS_REQUESTS_TABLE),
      Key: requestKey(requestId),
      ConsistentRead: true,
    }),
  );
  if (!Item) throw new NotFoundError(`access request ${requestId} does not exist`);
  const { pk: _pk, ...request } = Item;
  return request as StoredRequest;
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

/** Keeps the task token under the short approval ID (idempotent for the same token). */
export async function storeApproval(
  approval: Omit<StoredApproval, 'status'>,
  expiresAt: Date,
): Promise<void> {
  try {
    await client().send(
      new PutCommand({
        TableName: tableName(ACCESS_REQUESTS_TABLE),
        Item: {
          ...approvalKey(approval.approvalId),
          ...approval,
          status: 'PENDING',
          expiresAt: Math.floor(expiresAt.getTime() / 1000),
        },
        ConditionExpression: 'attribute_not_exists(pk) OR taskToken = :token',
        ExpressionAttributeValues: { ':token': approval.taskToken },
      }),
    );
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
 * still PENDING, so a double click or a replayed request changes nothing.
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
        ConditionExpression: '#status = :pending',
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

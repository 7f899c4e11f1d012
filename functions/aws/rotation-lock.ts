import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { CacheService } from '../core/rbac/cache-service.js';
import { rotationLock, type RotationLock } from '../core/rotation/lock.js';
import { createAwsClient } from './clients.js';
import { ROTATION_LOCKS_TABLE, tableName } from './table-definitions.js';

let documentClient: DynamoDBDocumentClient | undefined;
const dynamo = () => (documentClient ??= DynamoDBDocumentClient.from(createAwsClient(DynamoDBClient, {})));

export type LockOutcome = { acquired: true } | { acquired: false; holder: string };

/**
 * The lock item's key: the user ID for ElastiCache (as before MemoryDB), `memorydb:<name>` for a
 * MemoryDB user. A MemoryDB user and an ElastiCache user may share a name; their rotations are
 * independent. User IDs cannot contain `:`, so the two never collide.
 */
export function rotationLockKey(userId: string, service: CacheService = 'elasticache'): string {
  return service === 'memorydb' ? `memorydb:${userId}` : userId;
}

/**
 * Takes the user's rotation lock for `owner` with one conditional write: granted when nobody
 * holds it, `owner` holds it already (a retried step), or the holder's lock expired.
 */
export async function acquireRotationLock(
  userId: string,
  owner: string,
  now: Date,
  service: CacheService = 'elasticache',
): Promise<LockOutcome> {
  const lock = rotationLock(userId, owner, now);
  const key = rotationLockKey(userId, service);
  try {
    await dynamo().send(
      new PutCommand({
        TableName: tableName(ROTATION_LOCKS_TABLE),
        Item: { [ROTATION_LOCKS_TABLE.partitionKey]: key, owner, expiresAt: lock.expiresAt },
        ConditionExpression: 'attribute_not_exists(#pk) OR #owner = :owner OR #expiresAt <= :now',
        ExpressionAttributeNames: {
          '#pk': ROTATION_LOCKS_TABLE.partitionKey,
          '#owner': 'owner',
          '#expiresAt': 'expiresAt',
        },
        ExpressionAttributeValues: { ':owner': owner, ':now': Math.floor(now.getTime() / 1000) },
      }),
    );
    return { acquired: true };
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
    const holder = await currentRotationLock(userId, service);
    return { acquired: false, holder: holder?.owner ?? 'unknown' };
  }
}

/** Releases the lock if `owner` holds it; a no-op otherwise (another rotation's lock is never touched). */
export async function releaseRotationLock(
  userId: string,
  owner: string,
  service: CacheService = 'elasticache',
): Promise<void> {
  try {
    await dynamo().send(
      new DeleteCommand({
        TableName: tableName(ROTATION_LOCKS_TABLE),
        Key: { [ROTATION_LOCKS_TABLE.partitionKey]: rotationLockKey(userId, service) },
        ConditionExpression: '#owner = :owner',
        ExpressionAttributeNames: { '#owner': 'owner' },
        ExpressionAttributeValues: { ':owner': owner },
      }),
    );
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
  }
}

export async function currentRotationLock(
  userId: string,
  service: CacheService = 'elasticache',
): Promise<RotationLock | undefined> {
  const { Item } = await dynamo().send(
    new GetCommand({
      TableName: tableName(ROTATION_LOCKS_TABLE),
      Key: { [ROTATION_LOCKS_TABLE.partitionKey]: rotationLockKey(userId, service) },
      ConsistentRead: true,
    }),
  );
  return Item ? { userId, owner: String(Item.owner), expiresAt: Number(Item.expiresAt) } : undefined;
}

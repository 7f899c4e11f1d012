import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { CacheService } from '../core/rbac/cache-service.js';
import {
  mayTakeClaim,
  userClaim,
  userClaimKey,
  type ClaimHolder,
  type UserClaim,
} from '../core/rbac/user-claim.js';
import { createAwsClient } from './clients.js';
import { USER_CLAIMS_TABLE, tableName } from './table-definitions.js';

let documentClient: DynamoDBDocumentClient | undefined;
const dynamo = () => (documentClient ??= DynamoDBDocumentClient.from(createAwsClient(DynamoDBClient, {})));

export type ClaimOutcome = { taken: true } | { taken: false; holder: string };

const PK = USER_CLAIMS_TABLE.partitionKey;

/**
 * Takes the user's claim for `owner`. The rule is `mayTakeClaim`, applied to the item read; the
 * write is then conditional on that item being unchanged (compare-and-set), so of two runs taking
 * over the same expired claim exactly one wins. A run that loses the race reads again and decides
 * again: the claim may have been released meanwhile.
 */
export async function takeUserClaim(request: {
  userId: string;
  service?: CacheService;
  owner: string;
  holder: ClaimHolder;
  now: Date;
}): Promise<ClaimOutcome> {
  const key = userClaimKey(request.userId, request.service);
  for (let attempt = 0; ; attempt += 1) {
    const existing = await readClaim(key);
    if (!mayTakeClaim(existing, request.owner, request.now)) return { taken: false, holder: existing!.owner };
    const claim = userClaim(key, request.owner, request.holder, request.now);
    try {
      await dynamo().send(
        new PutCommand({
          TableName: tableName(USER_CLAIMS_TABLE),
          Item: { [PK]: key, owner: claim.owner, expiresAt: claim.expiresAt },
          ...(existing
            ? {
                ConditionExpression: '#owner = :seenOwner AND #expiresAt = :seenExpiresAt',
                ExpressionAttributeNames: { '#owner': 'owner', '#expiresAt': 'expiresAt' },
                ExpressionAttributeValues: {
                  ':seenOwner': existing.owner,
                  ':seenExpiresAt': existing.expiresAt,
                },
              }
            : {
                ConditionExpression: 'attribute_not_exists(#pk)',
                ExpressionAttributeNames: { '#pk': PK },
              }),
        }),
      );
      return { taken: true };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      // Another run wrote the item between our read and our write; after a few such races the
      // claim is plainly contended: report whoever holds it now.
      if (attempt >= 2) return { taken: false, holder: (await readClaim(key))?.owner ?? 'unknown' };
    }
  }
}

/** Releases the claim if `owner` holds it; a no-op otherwise (another run's claim is never touched). */
export async function releaseUserClaim(request: {
  userId: string;
  service?: CacheService;
  owner: string;
}): Promise<void> {
  try {
    await dynamo().send(
      new DeleteCommand({
        TableName: tableName(USER_CLAIMS_TABLE),
        Key: { [PK]: userClaimKey(request.userId, request.service) },
        ConditionExpression: '#owner = :owner',
        ExpressionAttributeNames: { '#owner': 'owner' },
        ExpressionAttributeValues: { ':owner': request.owner },
      }),
    );
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
  }
}

export async function currentUserClaim(
  userId: string,
  service: CacheService = 'elasticache',
): Promise<UserClaim | undefined> {
  return readClaim(userClaimKey(userId, service));
}

async function readClaim(key: string): Promise<UserClaim | undefined> {
  const { Item } = await dynamo().send(
    new GetCommand({ TableName: tableName(USER_CLAIMS_TABLE), Key: { [PK]: key }, ConsistentRead: true }),
  );
  return Item ? { key, owner: String(Item.owner), expiresAt: Number(Item.expiresAt) } : undefined;
}

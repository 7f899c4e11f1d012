import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, DynamoDBDocumentClient, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { createAwsClient } from './clients.js';
import { CERTIFICATES_TABLE, tableName } from './table-definitions.js';

/**
 * One record per client certificate and notice threshold, in the certificate index table (item
 * `NOTICE#<serial>#<days>`, beside the `CERT#` items, which the index's scans select by prefix):
 * what makes the expiry notices one per certificate per threshold however often the schedule
 * runs. A run claims the record before it tells anyone (`SENDING`), and marks it `SENT` after.
 * A claim left `SENDING` by a run that died is taken over once it is older than `staleAfterMs`
 * (longer than the function can run), so a crash costs at most a repeated notice, never a lost one.
 */

let documentClient: DynamoDBDocumentClient | undefined;
const db = () =>
  (documentClient ??= DynamoDBDocumentClient.from(createAwsClient(DynamoDBClient, {}), {
    marshallOptions: { removeUndefinedValues: true },
  }));
const table = () => tableName(CERTIFICATES_TABLE);
const noticeKey = (serial: string, thresholdDays: number) => ({ pk: `NOTICE#${serial}#${thresholdDays}` });

export interface NoticeClaim {
  serial: string;
  commonName: string;
  thresholdDays: number;
}

/** True when this run may send the notice: no record yet, or a `SENDING` claim gone stale. */
export async function claimExpiryNotice(
  claim: NoticeClaim,
  now: Date,
  staleAfterMs: number,
): Promise<boolean> {
  try {
    await db().send(
      new PutCommand({
        TableName: table(),
        Item: {
          ...noticeKey(claim.serial, claim.thresholdDays),
          serial: claim.serial,
          commonName: claim.commonName,
          thresholdDays: claim.thresholdDays,
          status: 'SENDING',
          claimedAt: now.toISOString(),
        },
        ConditionExpression: 'attribute_not_exists(pk) OR (#status = :sending AND claimedAt < :stale)',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':sending': 'SENDING',
          ':stale': new Date(now.getTime() - staleAfterMs).toISOString(),
        },
      }),
    );
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
}

/** Records that the notice went out (and where), so no later run sends it again. */
export async function markExpiryNoticeSent(
  claim: NoticeClaim,
  now: Date,
  slackMessage: { channel: string; ts: string } | undefined,
): Promise<void> {
  await db().send(
    new UpdateCommand({
      TableName: table(),
      Key: noticeKey(claim.serial, claim.thresholdDays),
      UpdateExpression: slackMessage
        ? 'SET #status = :sent, sentAt = :at, channel = :channel, ts = :ts'
        : 'SET #status = :sent, sentAt = :at',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: {
        ':sent': 'SENT',
        ':at': now.toISOString(),
        ...(slackMessage ? { ':channel': slackMessage.channel, ':ts': slackMessage.ts } : {}),
      },
    }),
  );
}

/** Gives a claim back after a failed send, so the retried run sends the notice (a sent one stays). */
export async function releaseExpiryNotice(claim: NoticeClaim): Promise<void> {
  try {
    await db().send(
      new DeleteCommand({
        TableName: table(),
        Key: noticeKey(claim.serial, claim.thresholdDays),
        ConditionExpression: '#status = :sending',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':sending': 'SENDING' },
      }),
    );
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
  }
}

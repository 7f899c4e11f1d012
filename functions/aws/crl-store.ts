import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { sha256Hex } from '../core/crl-refresh/observed-crl.js';
import { CachegateError, NotFoundError } from '../core/errors.js';
import { createAwsClient } from './clients.js';
import { CRL_STORE_TABLE, tableName } from './table-definitions.js';

/**
 * Where a published CRL waits for the per-endpoint steps. A 20,000-entry CRL is ~700 KB: too big
 * for a Step Functions payload (256 KB) and for one DynamoDB item (400 KB), so its DER is stored
 * in chunks and the workflow carries only its number and SHA-256 (docs/client-vpn.md).
 */
export interface StoredCrl {
  readonly crlNumber: bigint;
  /** SHA-256 (hex) of the DER. */
  readonly sha256: string;
  readonly thisUpdate: Date;
  readonly nextUpdate: Date;
  readonly entries: number;
}

const CHUNK_BYTES = 300_000;
const LATEST = { pk: 'CRL#LATEST' };
const headKey = (n: bigint) => ({ pk: `CRL#${n}` });
const chunkKey = (n: bigint, part: number) => ({ pk: `CRL#${n}#${part}` });

let documentClient: DynamoDBDocumentClient | undefined;
const client = () =>
  (documentClient ??= DynamoDBDocumentClient.from(createAwsClient(DynamoDBClient, {}), {
    marshallOptions: { removeUndefinedValues: true },
  }));
const table = () => tableName(CRL_STORE_TABLE);

interface HeadItem {
  crlNumber: number;
  sha256: string;
  thisUpdate: string;
  nextUpdate: string;
  entries: number;
  parts: number;
}

const fromItem = (item: HeadItem): StoredCrl => ({
  crlNumber: BigInt(item.crlNumber),
  sha256: item.sha256,
  thisUpdate: new Date(item.thisUpdate),
  nextUpdate: new Date(item.nextUpdate),
  entries: item.entries,
});

/**
 * Stores a CRL (chunks, then its head) and moves the latest pointer to it unless a higher number
 * is already there. Idempotent: storing the same CRL again changes nothing.
 */
export async function storeCrl(der: Buffer, meta: Omit<StoredCrl, 'sha256'>): Promise<StoredCrl> {
  const sha256 = sha256Hex(der);
  const parts = Math.ceil(der.length / CHUNK_BYTES);
  for (let part = 0; part < parts; part++) {
    await client().send(
      new PutCommand({
        TableName: table(),
        Item: {
          ...chunkKey(meta.crlNumber, part),
          data: der.subarray(part * CHUNK_BYTES, (part + 1) * CHUNK_BYTES),
        },
      }),
    );
  }
  const head: HeadItem = {
    crlNumber: Number(meta.crlNumber),
    sha256,
    thisUpdate: meta.thisUpdate.toISOString(),
    nextUpdate: meta.nextUpdate.toISOString(),
    entries: meta.entries,
    parts,
  };
  try {
    await client().send(
      new PutCommand({
        TableName: table(),
        Item: { ...headKey(meta.crlNumber), ...head },
        ConditionExpression: 'attribute_not_exists(pk) OR sha256 = :sha',
        ExpressionAttributeValues: { ':sha': sha256 },
      }),
    );
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) {
      throw new CachegateError(
        'CRL_NUMBER_REUSED',
        `CRL number ${meta.crlNumber} is already stored with other content`,
      );
    }
    throw error;
  }
  try {
    await client().send(
      new PutCommand({
        TableName: table(),
        Item: { ...LATEST, ...head },
        ConditionExpression: 'attribute_not_exists(pk) OR crlNumber <= :n',
        ExpressionAttributeValues: { ':n': head.crlNumber },
      }),
    );
  } catch (error) {
    // A concurrent build already published a higher number: ours stays stored, not latest.
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
  }
  return fromItem(head);
}

export async function latestCrl(): Promise<StoredCrl | undefined> {
  const { Item } = await client().send(
    new GetCommand({ TableName: table(), Key: LATEST, ConsistentRead: true }),
  );
  return Item ? fromItem(Item as HeadItem) : undefined;
}

/** The DER of a stored CRL, checked against the SHA-256 the workflow carries. */
export async function readCrl(crlNumber: bigint, sha256: string): Promise<{ der: Buffer; crl: StoredCrl }> {
  const { Item } = await client().send(
    new GetCommand({ TableName: table(), Key: headKey(crlNumber), ConsistentRead: true }),
  );
  if (!Item) throw new NotFoundError(`CRL #${crlNumber} is not in the CRL store`);
  const head = Item as HeadItem;
  const chunks: Buffer[] = [];
  for (let part = 0; part < head.parts; part++) {
    const { Item: chunk } = await client().send(
      new GetCommand({ TableName: table(), Key: chunkKey(crlNumber, part), ConsistentRead: true }),
    );
    if (!chunk) throw new NotFoundError(`CRL #${crlNumber} part ${part} is missing from the CRL store`);
    chunks.push(Buffer.from(chunk.data as Uint8Array));
  }
  const der = Buffer.concat(chunks);
  if (sha256Hex(der) !== sha256 || head.sha256 !== sha256) {
    throw new CachegateError(
      'CRL_MISMATCH',
      `CRL #${crlNumber} in the store does not have SHA-256 ${sha256}`,
    );
  }
  return { der, crl: fromItem(head) };
}

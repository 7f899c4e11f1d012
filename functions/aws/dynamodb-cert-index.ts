import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  ScanCommand,
  UpdateCommand,
  type ScanCommandOutput,
} from '@aws-sdk/lib-dynamodb';
import { encodeTime } from '../core/pki/asn1-time.js';
import { fromPem } from '../core/pki/pem.js';
import { parseCertificate } from '../core/pki/x509.js';
import type { CertIndexEntry, CertStatus, RevocationReason } from '../core/pki/cert-index.js';
import type { RevocationIndex } from '../core/ports/crl-authority.js';
import { ConflictError, NotFoundError } from '../core/errors.js';
import { createAwsClient } from './clients.js';
import { serviceNow } from './service-clock.js';
import { CERTIFICATES_TABLE, tableName } from './table-definitions.js';

/**
 * The certificate index in DynamoDB, with the same rules as the easy-rsa store (bin/cli/pki): at
 * most one valid certificate per common name, a revoke applies once, the CRL number comes from an
 * atomic counter. Every change is a conditional write, so a retried step finds its own earlier
 * write and a concurrent change is detected rather than overwritten. Single-item writes only (no
 * TransactWriteItems): each multi-item change is ordered so that a crash between its writes is
 * completed by the retry, and dynalite (the local DynamoDB) has no transactions.
 *
 * Items (partition key `pk`):
 * - `CERT#<serial>`  one per certificate: status V/R, expiry, revocation time and reason (index text form)
 * - `CN#<cn>`        while the CN holds (or is reserving) a valid certificate: its serial and requestId;
 *                    after a revoke, the revoked serial and `heldUntil` until the revocation is distributed
 * - `REQ#<id>`       one per issuance request: serial, certificate PEM, secret ARN (idempotency)
 * - `COUNTER#crl-number`  the last CRL number taken
 */
interface CertItem {
  pk: string;
  serial: string;
  commonName: string;
  status: CertStatus;
  expires: string;
  revoked?: string;
  reason?: RevocationReason;
  requestId?: string;
}

export interface IssuanceRecord {
  readonly requestId: string;
  readonly commonName: string;
  readonly serial: string;
  /** Set once the certificate is signed (a certificate is public). */
  readonly certificatePem?: string;
  /** Set when the key was generated and stored in Secrets Manager. */
  readonly secretArn?: string;
  /** True once the certificate is in the index (CERT# item written, CN# marked valid). */
  readonly recorded: boolean;
}

let documentClient: DynamoDBDocumentClient | undefined;
const db = () =>
  (documentClient ??= DynamoDBDocumentClient.from(createAwsClient(DynamoDBClient, {}), {
    marshallOptions: { removeUndefinedValues: true },
  }));
const table = () => tableName(CERTIFICATES_TABLE);

const certKey = (serial: string) => ({ pk: `CERT#${serial}` });
const cnKey = (cn: string) => ({ pk: `CN#${cn}` });
const requestKey = (requestId: string) => ({ pk: `REQ#${requestId}` });
const COUNTER_KEY = { pk: 'COUNTER#crl-number' };

/**
 * How long a revoked certificate's CN stays unavailable at most (see `holdCommonName`): the
 * revoke-certificate workflow's TimeoutSeconds, so no step of it can still terminate sessions by
 * that CN once the hold has expired (a test keeps the two equal).
 */
export const REVOCATION_HOLD_SECONDS = 3600;

const toEntry = (item: CertItem): CertIndexEntry => ({
  status: item.status,
  serial: item.serial,
  commonName: item.commonName,
  subject: `/CN=${item.commonName}`,
  expires: item.expires,
  fileName: 'unknown',
  ...(item.revoked === undefined ? {} : { revoked: item.revoked }),
  ...(item.reason === undefined ? {} : { reason: item.reason }),
});

const toIssuance = (item: (IssuanceRecord & { pk: string }) | undefined): IssuanceRecord | undefined => {
  if (!item) return undefined;
  const { pk: _pk, ...record } = item;
  return record;
};

async function get<T>(key: { pk: string }): Promise<T | undefined> {
  const { Item } = await db().send(new GetCommand({ TableName: table(), Key: key, ConsistentRead: true }));
  return Item as T | undefined;
}

export class DynamoDbCertIndex implements RevocationIndex {
  async issuance(requestId: string): Promise<IssuanceRecord | undefined> {
    return toIssuance(await get<IssuanceRecord & { pk: string }>(requestKey(requestId)));
  }

  /**
   * Reserves `commonName` and a serial for one issuance request, once: a retry of the same
   * request gets the same reservation back; another request for a CN that holds (or is
   * reserving) a valid certificate gets a ConflictError. Conditional puts, CN first: a crash
   * between the two leaves a CN reserved by this request, which its retry completes.
   */
  async reserve(
    requestId: string,
    commonName: string,
    serial: string,
    now: Date = serviceNow(),
  ): Promise<IssuanceRecord> {
    const existing = await this.issuance(requestId);
    if (existing) {
      if (existing.commonName !== commonName) {
        throw new ConflictError(`request ${requestId} was already used for CN "${existing.commonName}"`);
      }
      return existing;
    }
    try {
      await db().send(
        new PutCommand({
          TableName: table(),
          Item: { ...cnKey(commonName), serial, requestId },
          ConditionExpression: 'attribute_not_exists(pk) OR requestId = :request OR heldUntil < :now',
          ExpressionAttributeValues: { ':request': requestId, ':now': now.getTime() },
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) {
        const held = await get<{ heldUntil?: number }>(cnKey(commonName));
        if (held?.heldUntil !== undefined) {
          throw new ConflictError(
            `CN "${commonName}" was just revoked and the revocation is still being distributed to the Client VPN endpoints, which end its sessions by common name (they would also end a new certificate's); request again when revoke-certificate has finished (at the latest ${new Date(held.heldUntil).toISOString()})`,
          );
        }
        throw new ConflictError(`a valid certificate for CN "${commonName}" already exists; revoke it first`);
      }
      throw error;
    }
    const record: IssuanceRecord = { requestId, commonName, serial, recorded: false };
    try {
      await db().send(
        new PutCommand({
          TableName: table(),
          Item: { ...requestKey(requestId), ...record },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return record;
    } catch (error) {
      // A concurrent attempt of the same request reserved first: use its reservation.
      if (error instanceof ConditionalCheckFailedException)
        return this.reserve(requestId, commonName, serial, now);
      throw error;
    }
  }

  /** Stores the signed certificate (and the key's secret ARN) on the request; idempotent. */
  async attachCertificate(
    requestId: string,
    certificatePem: string,
    secretArn?: string,
  ): Promise<IssuanceRecord> {
    const { Attributes } = await db().send(
      new UpdateCommand({
        TableName: table(),
        Key: requestKey(requestId),
        UpdateExpression: secretArn
          ? 'SET certificatePem = if_not_exists(certificatePem, :pem), secretArn = if_not_exists(secretArn, :arn)'
          : 'SET certificatePem = if_not_exists(certificatePem, :pem)',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':pem': certificatePem, ...(secretArn ? { ':arn': secretArn } : {}) },
        ReturnValues: 'ALL_NEW',
      }),
    );
    return toIssuance(Attributes as IssuanceRecord & { pk: string }) as IssuanceRecord;
  }

  /**
   * Writes the certificate into the index for a reserved request: the CERT# item, and marks the
   * request recorded. Applied once: a retry finds the request recorded and changes nothing.
   */
  async record(requestId: string, expires: Date): Promise<{ entry: CertIndexEntry; changed: boolean }> {
    const request = await this.issuance(requestId);
    if (!request) throw new NotFoundError(`no issuance request ${requestId} in the certificate index`);
    const item: CertItem = {
      ...certKey(request.serial),
      serial: request.serial,
      commonName: request.commonName,
      status: 'V',
      expires: encodeTime(expires).text,
      requestId,
    };
    if (request.recorded) return { entry: toEntry(item), changed: false };
    try {
      await db().send(
        new PutCommand({
          TableName: table(),
          Item: item,
          ConditionExpression: 'attribute_not_exists(pk) OR requestId = :request',
          ExpressionAttributeValues: { ':request': requestId },
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) {
        throw new ConflictError(`serial ${request.serial} is already in the index for another request`);
      }
      throw error;
    }
    await db().send(
      new UpdateCommand({
        TableName: table(),
        Key: requestKey(requestId),
        UpdateExpression: 'SET recorded = :true',
        ExpressionAttributeValues: { ':true': true },
      }),
    );
    return { entry: toEntry(item), changed: true };
  }

  /**
   * Undoes the reservation of a request whose issuance failed for good, so that its common name
   * can be requested again. A certificate that was already signed but never recorded goes into
   * the index as revoked (cessationOfOperation), so the next CRL lists it: it exists, signed by
   * the CA, even if nobody received it. A recorded request keeps its certificate (nothing to
   * undo). Ordered CERT# → CN# → REQ#, each write conditional on this request: a retry completes
   * a crashed attempt, and another request's reservation is never touched.
   */
  async release(
    requestId: string,
    now: Date,
  ): Promise<{ released: boolean; commonName?: string; recorded?: boolean; revokedSerial?: string }> {
    const request = await this.issuance(requestId);
    if (!request) return { released: false };
    const { commonName } = request;
    if (request.recorded) return { released: false, commonName, recorded: true };
    let revokedSerial: string | undefined;
    if (request.certificatePem) {
      const notAfter = parseCertificate(fromPem(request.certificatePem, 'CERTIFICATE')).notAfter;
      const item: CertItem = {
        ...certKey(request.serial),
        serial: request.serial,
        commonName,
        status: 'R',
        expires: encodeTime(notAfter).text,
        revoked: encodeTime(now).text,
        reason: 'cessationOfOperation',
        requestId,
      };
      const existing = await get<CertItem>(certKey(request.serial));
      if (existing?.status !== 'R') {
        await db().send(
          new PutCommand({
            TableName: table(),
            Item: item,
            ConditionExpression: 'attribute_not_exists(pk) OR requestId = :request',
            ExpressionAttributeValues: { ':request': requestId },
          }),
        );
      }
      revokedSerial = request.serial;
    }
    await deleteIfStill(cnKey(commonName), 'requestId = :request', { ':request': requestId });
    await db().send(
      new DeleteCommand({
        TableName: table(),
        Key: requestKey(requestId),
        ConditionExpression: 'attribute_not_exists(recorded) OR recorded = :false',
        ExpressionAttributeValues: { ':false': false },
      }),
    );
    return { released: true, commonName, ...(revokedSerial ? { revokedSerial } : {}) };
  }

  async revoke(request: {
    commonName?: string;
    serial?: string;
    reason?: RevocationReason;
    now: Date;
  }): Promise<{ entry: CertIndexEntry; changed: boolean }> {
    let serial = request.serial;
    const what = serial === undefined ? `CN "${request.commonName}"` : `serial ${serial}`;
    if (serial === undefined) {
      const cn = await get<{ serial: string }>(cnKey(request.commonName ?? ''));
      // No valid certificate for the CN: the latest revoked one answers a retried revoke.
      serial = cn?.serial ?? (await this.latestRevokedSerial(request.commonName ?? ''));
      if (serial === undefined) throw new NotFoundError(`no certificate with ${what} in the index`);
    }
    const item = await get<CertItem>(certKey(serial));
    if (!item) throw new NotFoundError(`no certificate with ${what} in the index`);
    if (item.status === 'R') {
      // A retried revoke: finish what the first attempt may not have (the hold on the CN).
      await this.holdCommonName(item, request.now);
      return { entry: toEntry(item), changed: false };
    }
    if (item.status !== 'V') throw new ConflictError(`certificate with ${what} has expired (status E)`);
    const revoked: CertItem = {
      ...item,
      status: 'R',
      revoked: encodeTime(request.now).text,
      ...(request.reason === undefined ? {} : { reason: request.reason }),
    };
    try {
      await db().send(
        new PutCommand({
          TableName: table(),
          Item: revoked,
          ConditionExpression: '#status = :valid',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':valid': 'V' },
        }),
      );
    } catch (error) {
      // A concurrent revoke of the same certificate won: report its result.
      if (error instanceof ConditionalCheckFailedException)
        return this.revoke({ ...request, serial: item.serial });
      throw error;
    }
    await this.holdCommonName(revoked, request.now);
    return { entry: toEntry(revoked), changed: true };
  }

  /**
   * Frees the CN for a new certificate, as easy-rsa's revoke does, but not at once: Client VPN
   * names a session only by its certificate's common name, so revoke-certificate's "terminate
   * the revoked CN's sessions" would also end the session of a new certificate with the same CN
   * issued meanwhile. The CN# item keeps the revoked serial with `heldUntil` (revocation time +
   * REVOCATION_HOLD_SECONDS, the workflow's own timeout); `reserve` refuses the CN until then, and
   * the workflow's last step ends the hold early (`endRevocationHold`). Only if the CN# item still
   * names this certificate, and only once (a retried revoke keeps the first deadline).
   */
  private async holdCommonName(item: CertItem, now: Date): Promise<void> {
    try {
      await db().send(
        new UpdateCommand({
          TableName: table(),
          Key: cnKey(item.commonName),
          UpdateExpression: 'SET heldUntil = :until REMOVE requestId',
          ConditionExpression: 'serial = :serial AND attribute_not_exists(heldUntil)',
          ExpressionAttributeValues: {
            ':serial': item.serial,
            ':until': now.getTime() + REVOCATION_HOLD_SECONDS * 1000,
          },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  /**
   * The revocation of `serial` has been distributed (revoke-certificate's last step): no session
   * will be terminated by its CN any more, so a new certificate may take the CN. Idempotent; a
   * CN# item that names another certificate is left alone.
   */
  async endRevocationHold(commonName: string, serial: string): Promise<void> {
    await deleteIfStill(cnKey(commonName), 'serial = :serial AND attribute_exists(heldUntil)', {
      ':serial': serial,
    });
  }

  private async latestRevokedSerial(commonName: string): Promise<string | undefined> {
    const revoked = (await this.entries()).filter((e) => e.commonName === commonName && e.status === 'R');
    return revoked.sort((a, b) => ((a.revoked ?? '') < (b.revoked ?? '') ? 1 : -1))[0]?.serial;
  }

  async entries(): Promise<CertIndexEntry[]> {
    const entries: CertIndexEntry[] = [];
    let start: ScanCommandOutput['LastEvaluatedKey'];
    do {
      const page: ScanCommandOutput = await db().send(
        new ScanCommand({
          TableName: table(),
          FilterExpression: 'begins_with(pk, :cert)',
          ExpressionAttributeValues: { ':cert': 'CERT#' },
          ConsistentRead: true,
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      for (const item of page.Items ?? []) entries.push(toEntry(item as CertItem));
      start = page.LastEvaluatedKey;
    } while (start);
    return entries;
  }

  async takeCrlNumber(): Promise<bigint> {
    const { Attributes } = await db().send(
      new UpdateCommand({
        TableName: table(),
        Key: COUNTER_KEY,
        UpdateExpression: 'ADD #value :one',
        ExpressionAttributeNames: { '#value': 'value' },
        ExpressionAttributeValues: { ':one': 1 },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    return BigInt(Attributes?.value as number);
  }
}

/**
 * Deletes an item only while `condition` still holds; an item that has changed hands (or is
 * already gone) is left alone, which is what makes these clean-up steps safe to retry.
 */
async function deleteIfStill(
  key: Record<string, string>,
  condition: string,
  values: Record<string, unknown>,
) {
  try {
    await db().send(
      new DeleteCommand({
        TableName: table(),
        Key: key,
        ConditionExpression: condition,
        ExpressionAttributeValues: values,
      }),
    );
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
  }
}

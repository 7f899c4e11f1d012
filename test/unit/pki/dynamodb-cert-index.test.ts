import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { DynamoDbCertIndex, REVOCATION_HOLD_SECONDS } from '../../../functions/aws/dynamodb-cert-index.js';
import { ConflictError, NotFoundError } from '../../../functions/core/errors.js';
import { createSandbox, type Sandbox } from '../../../local/sandbox/index.js';
import { createTables } from '../../../local/sandbox/tables.js';

let sandbox: Sandbox;
const index = new DynamoDbCertIndex();
const now = new Date('2025-06-01T00:00:00Z');
const expires = new Date('2027-06-01T00:00:00Z');

beforeAll(async () => {
  sandbox = await createSandbox();
  await createTables();
});
afterAll(async () => sandbox.close());

async function issued(requestId: string, cn: string, serial: string) {
  await index.reserve(requestId, cn, serial);
  await index.attachCertificate(requestId, '-----BEGIN CERTIFICATE-----\n...\n-----END CERTIFICATE-----\n');
  return index.record(requestId, expires);
}

describe('DynamoDB certificate index (dynalite)', () => {
  it('reserves a CN once per request: a retry gets the same serial, another request a conflict', async () => {
    const first = await index.reserve('REQ-1', 'alice', '0A');
    expect(await index.reserve('REQ-1', 'alice', '0B')).toEqual(first);
    await expect(index.reserve('REQ-2', 'alice', '0C')).rejects.toBeInstanceOf(ConflictError);
    await expect(index.reserve('REQ-1', 'bob', '0D')).rejects.toThrow(/already used for CN "alice"/);
  });

  it('records an issued certificate once', async () => {
    const first = await index.record('REQ-1', expires);
    expect(first).toMatchObject({ changed: true, entry: { status: 'V', serial: '0A', commonName: 'alice' } });
    expect((await index.record('REQ-1', expires)).changed).toBe(false);
    expect((await index.entries()).filter((e) => e.commonName === 'alice')).toHaveLength(1);
    await expect(index.record('REQ-missing', expires)).rejects.toBeInstanceOf(NotFoundError);
  });

  it('revokes once by CN or serial, frees the CN, and answers a retried revoke with the same entry', async () => {
    const revoked = await index.revoke({ commonName: 'alice', reason: 'keyCompromise', now });
    expect(revoked).toMatchObject({
      changed: true,
      entry: { status: 'R', reason: 'keyCompromise', revoked: '250601000000Z' },
    });
    expect(await index.revoke({ commonName: 'alice', now })).toEqual({ ...revoked, changed: false });
    expect(await index.revoke({ serial: '0A', now })).toEqual({ ...revoked, changed: false });
    // The CN can be issued again once the revocation's hold has passed (see the next test).
    await index.reserve('REQ-3', 'alice', '0E', new Date(now.getTime() + REVOCATION_HOLD_SECONDS * 1000 + 1));
    expect((await issued('REQ-3', 'alice', '0E')).changed).toBe(true);
    await expect(index.revoke({ serial: 'FFFF', now })).rejects.toBeInstanceOf(NotFoundError);
  });

  it('holds a revoked CN until its revocation is distributed (sessions end by CN), then frees it', async () => {
    await issued('REQ-H1', 'dave', '1A');
    await index.revoke({ commonName: 'dave', now });
    const during = new Date(now.getTime() + 60_000);
    await expect(index.reserve('REQ-H2', 'dave', '1B', during)).rejects.toThrow(
      /CN "dave" was just revoked and the revocation is still being distributed/,
    );
    // A retried revoke keeps the hold, and revoking by CN still answers with the revoked entry.
    expect((await index.revoke({ commonName: 'dave', now: during })).entry.serial).toBe('1A');
    await expect(index.reserve('REQ-H2', 'dave', '1B', during)).rejects.toBeInstanceOf(ConflictError);
    // Ending the hold for another serial changes nothing; for this one it frees the CN.
    await index.endRevocationHold('dave', 'FF');
    await expect(index.reserve('REQ-H2', 'dave', '1B', during)).rejects.toBeInstanceOf(ConflictError);
    await index.endRevocationHold('dave', '1A');
    expect(await index.reserve('REQ-H2', 'dave', '1B', during)).toMatchObject({ serial: '1B' });
    // Ending a hold that is gone does not touch the new reservation.
    await index.endRevocationHold('dave', '1A');
    await expect(index.reserve('REQ-H3', 'dave', '1C', during)).rejects.toThrow(/already exists/);
  });

  it('frees a held CN by itself once the hold expires (the revoke workflow timed out)', async () => {
    await issued('REQ-E1', 'erin', '2A');
    await index.revoke({ commonName: 'erin', now });
    const justBefore = new Date(now.getTime() + REVOCATION_HOLD_SECONDS * 1000 - 1);
    await expect(index.reserve('REQ-E2', 'erin', '2B', justBefore)).rejects.toBeInstanceOf(ConflictError);
    const after = new Date(now.getTime() + REVOCATION_HOLD_SECONDS * 1000 + 1);
    expect(await index.reserve('REQ-E2', 'erin', '2B', after)).toMatchObject({ serial: '2B' });
  });

  it('holds the CN exactly as long as revoke-certificate may run', () => {
    const asl = JSON.parse(
      readFileSync(new URL('../../../statemachines/revoke-certificate.asl.json', import.meta.url), 'utf8'),
    ) as { TimeoutSeconds: number };
    expect(REVOCATION_HOLD_SECONDS).toBe(asl.TimeoutSeconds);
  });

  it('releases a failed issuance: the CN is free, another request’s reservation untouched', async () => {
    await index.reserve('REQ-R1', 'frank', '3A', now);
    expect(await index.release('REQ-R1', now)).toEqual({ released: true, commonName: 'frank' });
    expect(await index.issuance('REQ-R1')).toBeUndefined();
    expect(await index.release('REQ-R1', now)).toEqual({ released: false });
    await index.reserve('REQ-R2', 'frank', '3B', now);
    await expect(index.reserve('REQ-R3', 'frank', '3C', now)).rejects.toThrow(/already exists/);
    await index.release('REQ-R3', now);
    await expect(index.reserve('REQ-R4', 'frank', '3D', now)).rejects.toThrow(/already exists/);
  });

  it('applies concurrent revokes of one certificate once', async () => {
    await issued('REQ-4', 'carol', '0F');
    const results = await Promise.all([1, 2, 3].map(() => index.revoke({ serial: '0F', now })));
    expect(results.filter((r) => r.changed)).toHaveLength(1);
    expect(new Set(results.map((r) => r.entry.revoked)).size).toBe(1);
  });

  it('takes strictly increasing CRL numbers from the atomic counter, also concurrently', async () => {
    const numbers = await Promise.all(Array.from({ length: 10 }, () => index.takeCrlNumber()));
    expect(new Set(numbers).size).toBe(10);
    const next = await index.takeCrlNumber();
    expect(numbers.every((n) => n < next)).toBe(true);
  });

  it('lists every certificate entry in the easy-rsa index model', async () => {
    const entries = await index.entries();
    expect(entries.map((e) => [e.serial, e.status]).sort()).toEqual([
      ['0A', 'R'],
      ['0E', 'V'],
      ['0F', 'R'],
      ['1A', 'R'],
      ['2A', 'R'],
    ]);
    expect(entries[0]).toMatchObject({ subject: expect.stringMatching(/^\/CN=/), expires: '270601000000Z' });
  });
});

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DynamoDbCertIndex } from '../../../functions/aws/dynamodb-cert-index.js';
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
    // The CN can be issued again.
    expect((await issued('REQ-3', 'alice', '0E')).changed).toBe(true);
    await expect(index.revoke({ serial: 'FFFF', now })).rejects.toBeInstanceOf(NotFoundError);
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
    ]);
    expect(entries[0]).toMatchObject({ subject: expect.stringMatching(/^\/CN=/), expires: '270601000000Z' });
  });
});

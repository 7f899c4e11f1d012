import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { createAwsClient } from '../../../functions/aws/clients.js';
import { USER_CLAIMS_TABLE, tableName } from '../../../functions/aws/table-definitions.js';
import { currentUserClaim, releaseUserClaim, takeUserClaim } from '../../../functions/aws/user-claims.js';
import { CLAIM_HOLDERS, CLAIM_MARGIN_SECONDS } from '../../../functions/core/rbac/user-claim.js';
import { createSandbox, type Sandbox } from '../../../local/sandbox/index.js';
import { createTables } from '../../../local/sandbox/tables.js';

/**
 * The per-user claim's DynamoDB conditions, on dynalite (real condition expressions): the rule
 * tested in contract-and-selection.test.ts is the one these writes apply.
 */
let sandbox: Sandbox;
const now = new Date('2030-01-01T00:00:00Z');
const later = (seconds: number) => new Date(now.getTime() + seconds * 1000);
let n = 0;
const freshUser = () => `claim-user-${++n}`;

beforeAll(async () => {
  sandbox = await createSandbox();
  await createTables();
});
afterAll(async () => {
  await sandbox.close();
});

/** A claim item written as another (possibly dead) run left it. */
async function plantClaim(key: string, owner: string, expiresAt: number): Promise<void> {
  const dynamo = DynamoDBDocumentClient.from(createAwsClient(DynamoDBClient, {}));
  await dynamo.send(
    new PutCommand({ TableName: tableName(USER_CLAIMS_TABLE), Item: { userId: key, owner, expiresAt } }),
  );
}

describe('user claims on DynamoDB', () => {
  it('a free user is claimed; a second owner is refused and told who holds it', async () => {
    const userId = freshUser();
    await expect(takeUserClaim({ userId, owner: 'run-a', holder: 'onboard-user', now })).resolves.toEqual({
      taken: true,
    });
    await expect(
      takeUserClaim({ userId, owner: 'run-b', holder: 'rotate-password', now: later(60) }),
    ).resolves.toEqual({ taken: false, holder: 'run-a' });
    expect(await currentUserClaim(userId)).toEqual({
      key: userId,
      owner: 'run-a',
      expiresAt: now.getTime() / 1000 + CLAIM_HOLDERS['onboard-user'] + CLAIM_MARGIN_SECONDS,
    });
  });

  it('the owner takes its own claim again (a retried step) and renews it', async () => {
    const userId = freshUser();
    await takeUserClaim({ userId, owner: 'run-a', holder: 'rotate-password', now });
    await expect(
      takeUserClaim({ userId, owner: 'run-a', holder: 'rotate-password', now: later(100) }),
    ).resolves.toEqual({ taken: true });
    expect((await currentUserClaim(userId))?.expiresAt).toBe(
      now.getTime() / 1000 + 100 + CLAIM_HOLDERS['rotate-password'] + CLAIM_MARGIN_SECONDS,
    );
  });

  it('releasing the lock deletes it only for its holder (owner condition)', async () => {
    const userId = freshUser();
    await takeUserClaim({ userId, owner: 'run-a', holder: 'offboard-user', now });
    await releaseUserClaim({ userId, owner: 'run-b' });
    expect((await currentUserClaim(userId))?.owner).toBe('run-a');
    await releaseUserClaim({ userId, owner: 'run-a' });
    expect(await currentUserClaim(userId)).toBeUndefined();
    // Releasing what nobody holds is a no-op (a retried release step).
    await expect(releaseUserClaim({ userId, owner: 'run-a' })).resolves.toBeUndefined();
  });

  it('an expired lock of a dead run is taken over; a live one at its last second is not', async () => {
    const userId = freshUser();
    const nowSeconds = now.getTime() / 1000;
    await plantClaim(userId, 'dead-run', nowSeconds + 1);
    await expect(takeUserClaim({ userId, owner: 'run-b', holder: 'onboard-user', now })).resolves.toEqual({
      taken: false,
      holder: 'dead-run',
    });
    await plantClaim(userId, 'dead-run', nowSeconds);
    await expect(takeUserClaim({ userId, owner: 'run-b', holder: 'onboard-user', now })).resolves.toEqual({
      taken: true,
    });
    expect((await currentUserClaim(userId))?.owner).toBe('run-b');
    // The dead run, should it come back, cannot release the claim that is no longer its own.
    await releaseUserClaim({ userId, owner: 'dead-run' });
    expect((await currentUserClaim(userId))?.owner).toBe('run-b');
  });

  it('of many runs taking over one expired claim at once, exactly one wins', async () => {
    const userId = freshUser();
    await plantClaim(userId, 'dead-run', now.getTime() / 1000 - 10);
    const owners = Array.from({ length: 8 }, (_, i) => `run-${i}`);
    const outcomes = await Promise.all(
      owners.map((owner) => takeUserClaim({ userId, owner, holder: 'rotate-password', now })),
    );
    const winners = owners.filter((_, i) => outcomes[i]?.taken);
    expect(winners).toHaveLength(1);
    expect((await currentUserClaim(userId))?.owner).toBe(winners[0]);
    for (const outcome of outcomes.filter((o) => !o.taken)) {
      expect(outcome).toEqual({ taken: false, holder: winners[0] });
    }
  });

  it('a MemoryDB user and a same-named ElastiCache user are claimed independently', async () => {
    const userId = freshUser();
    await takeUserClaim({ userId, owner: 'run-a', holder: 'rotate-password', now });
    await expect(
      takeUserClaim({ userId, service: 'memorydb', owner: 'run-b', holder: 'rotate-password', now }),
    ).resolves.toEqual({ taken: true });
    expect((await currentUserClaim(userId, 'memorydb'))?.owner).toBe('run-b');
  });
});

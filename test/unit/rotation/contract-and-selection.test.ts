import { describe, expect, it } from '@jest/globals';
import { RotationRefusedError } from '../../../functions/core/rotation/errors.js';
import {
  CLAIM_MARGIN_SECONDS,
  mayTakeClaim,
  userClaim,
  userClaimKey,
} from '../../../functions/core/rbac/user-claim.js';
import {
  checkRotationToken,
  ROTATION_STEPS,
} from '../../../functions/core/rotation/secrets-manager-contract.js';
import {
  parseSelectorText,
  rotationSelectorSchema,
  selectRotationUsers,
  summarizeRotation,
} from '../../../functions/core/rotation/selection.js';
import { failureReason } from '../../../functions/core/workflow-failure.js';

describe('checkRotationToken (the Secrets Manager rotation contract)', () => {
  it.each(ROTATION_STEPS)('%s: a token version already AWSCURRENT means this rotation is done', (step) => {
    expect(checkRotationToken(step, 't', { t: ['AWSCURRENT', 'AWSPENDING'] }).kind).toBe('done');
  });

  it.each(ROTATION_STEPS)('%s: proceeds on an AWSPENDING token version', (step) => {
    expect(checkRotationToken(step, 't', { t: ['AWSPENDING'], c: ['AWSCURRENT'] })).toEqual({
      kind: 'proceed',
    });
  });

  it.each(ROTATION_STEPS)('%s: refuses a token version that is not AWSPENDING', (step) => {
    expect(() => checkRotationToken(step, 't', { t: ['AWSPREVIOUS'] })).toThrow(RotationRefusedError);
  });

  it('only createSecret may meet a token with no version yet', () => {
    expect(checkRotationToken('createSecret', 't', { c: ['AWSCURRENT'] })).toEqual({ kind: 'proceed' });
    for (const step of ['setSecret', 'testSecret', 'finishSecret'] as const) {
      expect(() => checkRotationToken(step, 't', { c: ['AWSCURRENT'] })).toThrow(/has no stage for rotation/);
    }
  });
});

describe('user claim', () => {
  const now = new Date('2030-01-01T00:00:00Z');
  const seconds = now.getTime() / 1000;

  it('expires a margin after the longest its holder may run', () => {
    expect(userClaim('u', 'exec-1', 'rotate-password', now)).toEqual({
      key: 'u',
      owner: 'exec-1',
      expiresAt: seconds + 3600 + CLAIM_MARGIN_SECONDS,
    });
    expect(userClaim('u', 'exec-1', 'migrate-to-rbac', now).expiresAt).toBe(
      seconds + 14400 + CLAIM_MARGIN_SECONDS,
    );
  });

  it('may be taken when free, by its owner again, or once expired — never from a live holder', () => {
    expect(mayTakeClaim(undefined, 'a', now)).toBe(true);
    expect(mayTakeClaim({ key: 'u', owner: 'a', expiresAt: seconds + 10 }, 'a', now)).toBe(true);
    expect(mayTakeClaim({ key: 'u', owner: 'b', expiresAt: seconds + 10 }, 'a', now)).toBe(false);
    expect(mayTakeClaim({ key: 'u', owner: 'b', expiresAt: seconds + 1 }, 'a', now)).toBe(false);
    expect(mayTakeClaim({ key: 'u', owner: 'b', expiresAt: seconds }, 'a', now)).toBe(true);
  });

  it('keys a MemoryDB user apart from a same-named ElastiCache user', () => {
    expect(userClaimKey('orders')).toBe('orders');
    expect(userClaimKey('orders', 'memorydb')).toBe('memorydb:orders');
  });
});

describe('selectRotationUsers', () => {
  const users = [
    {
      userId: 'default',
      userName: 'default',
      status: 'active',
      authenticationType: 'no-password',
      passwordCount: 0,
      userGroupIds: ['g'],
    },
    {
      userId: 'a',
      userName: 'a',
      status: 'active',
      authenticationType: 'password',
      passwordCount: 1,
      userGroupIds: ['g'],
    },
    {
      userId: 'b',
      userName: 'b',
      status: 'modifying',
      authenticationType: 'password',
      passwordCount: 2,
      userGroupIds: [],
    },
    {
      userId: 'c',
      userName: 'c',
      status: 'active',
      authenticationType: 'password',
      passwordCount: 1,
      userGroupIds: ['g'],
    },
  ];
  const secrets = [
    { userId: 'a', tags: { team: 'orders' } },
    { userId: 'b', tags: { team: 'payments' } },
    { userId: 'gone', tags: { team: 'orders' } },
  ];

  it('all: every user and every orphan secret is accounted for, each skip with a reason', () => {
    const { rotate, skipped } = selectRotationUsers({ all: true }, { users, secrets });
    expect(rotate).toEqual(['a', 'b']);
    expect(skipped).toEqual([
      { userId: 'c', status: 'skipped', reason: 'the user has no cachegate secret' },
      {
        userId: 'default',
        status: 'skipped',
        reason: 'the user does not authenticate with passwords (no-password)',
      },
      { userId: 'gone', status: 'skipped', reason: 'the user does not exist (its secret is left alone)' },
    ]);
  });

  it('all: an IAM user is skipped with the reason, even when a secret names it', () => {
    const iamUser = {
      ...users[0]!,
      userId: 'app-iam',
      userName: 'app-iam',
      authenticationType: 'iam',
      passwordCount: 0,
    };
    const { rotate, skipped } = selectRotationUsers(
      { all: true },
      { users: [iamUser], secrets: [{ userId: 'app-iam', tags: {} }] },
    );
    expect(rotate).toEqual([]);
    expect(skipped).toEqual([
      {
        userId: 'app-iam',
        status: 'skipped',
        reason: 'the user authenticates with IAM (15-minute tokens): it has no password to rotate',
      },
    ]);
  });

  it('tag: the users whose secret carries the tag', () => {
    const { rotate, skipped } = selectRotationUsers(
      { tag: { key: 'team', value: 'orders' } },
      { users, secrets },
    );
    expect(rotate).toEqual(['a']);
    expect(skipped.map((s) => s.userId)).toEqual(['gone']);
  });

  it('group: the group members (a user being modified is still selected: the workflow waits for it)', () => {
    const { rotate, skipped } = selectRotationUsers(
      { userGroupId: 'g' },
      { users, secrets, groupUserIds: ['default', 'a', 'c'] },
    );
    expect(rotate).toEqual(['a']);
    expect(skipped.map((s) => s.userId)).toEqual(['c', 'default']);
  });

  it('parses selectors and the CLI text form, naming what is wrong', () => {
    expect(rotationSelectorSchema.parse(parseSelectorText('all'))).toEqual({ all: true });
    expect(rotationSelectorSchema.parse(parseSelectorText('tag:team=orders'))).toEqual({
      tag: { key: 'team', value: 'orders' },
    });
    expect(rotationSelectorSchema.parse(parseSelectorText('group:orders-group'))).toEqual({
      userGroupId: 'orders-group',
    });
    expect(rotationSelectorSchema.safeParse(parseSelectorText('everyone')).success).toBe(false);
    expect(rotationSelectorSchema.safeParse({ all: true, tag: { key: 'a', value: 'b' } }).success).toBe(
      false,
    );
  });
});

describe('summarizeRotation / failureReason', () => {
  it('counts every user by outcome, sorted by user ID', () => {
    const summary = summarizeRotation([
      { userId: 'b', status: 'failed', reason: 'x' },
      { userId: 'a', status: 'rotated' },
      { userId: 'c', status: 'skipped', reason: 'y' },
      { userId: 'd', status: 'rotated' },
    ]);
    expect(summary).toMatchObject({ total: 4, rotated: 2, failed: 1, skipped: 1 });
    expect(summary.users.map((u) => u.userId)).toEqual(['a', 'b', 'c', 'd']);
  });

  it('reads the Lambda error message out of a Step Functions cause', () => {
    expect(
      failureReason(
        'RotationRefusedError',
        '{"errorType":"RotationRefusedError","errorMessage":"user x does not exist"}',
      ),
    ).toBe('RotationRefusedError: user x does not exist');
    expect(failureReason('States.Timeout', 'plain text')).toBe('States.Timeout: plain text');
  });
});

import { describe, expect, it } from '@jest/globals';
import { ConflictError } from '../../../functions/core/errors.js';
import type { UserSnapshot } from '../../../functions/core/rbac/snapshots.js';
import { RotationRefusedError } from '../../../functions/core/rotation/errors.js';
import {
  assessRotation,
  labelMove,
  planPendingVersion,
  promotionMoves,
  rotationPasswordList,
  type RotationSecretView,
} from '../../../functions/core/rotation/plan.js';
import { inProgressPendingVersion, stagesOf } from '../../../functions/core/rotation/stages.js';

const user = (overrides: Partial<UserSnapshot> = {}): UserSnapshot => ({
  userId: 'orders-reader',
  userName: 'orders-reader',
  status: 'active',
  authenticationType: 'password',
  passwordCount: 1,
  ...overrides,
});
const secret = (overrides: Partial<RotationSecretView> = {}): RotationSecretView => ({
  arn: 'arn:secret',
  managed: true,
  scheduledForDeletion: false,
  stages: { currentVersionId: 'v1' },
  currentUserName: 'orders-reader',
  ...overrides,
});
const first = { checks: 0, maxChecks: 20 };

describe('stagesOf / inProgressPendingVersion', () => {
  it('finds the version holding each label', () => {
    expect(stagesOf({ v1: ['AWSPREVIOUS'], v2: ['AWSCURRENT'], v3: ['AWSPENDING', 'custom'] })).toEqual({
      currentVersionId: 'v2',
      pendingVersionId: 'v3',
      previousVersionId: 'v1',
    });
    expect(stagesOf({})).toEqual({});
  });

  it('AWSPENDING on the AWSCURRENT version is a finished rotation, not one in progress', () => {
    expect(inProgressPendingVersion({ currentVersionId: 'v2', pendingVersionId: 'v2' })).toBeUndefined();
    expect(inProgressPendingVersion({ currentVersionId: 'v2', pendingVersionId: 'v3' })).toBe('v3');
    expect(inProgressPendingVersion({ currentVersionId: 'v2' })).toBeUndefined();
  });
});

describe('assessRotation', () => {
  it('is ready for an active password user with a matching managed secret (1 or 2 passwords)', () => {
    expect(assessRotation('orders-reader', user(), secret(), first)).toEqual({
      kind: 'ready',
      currentVersionId: 'v1',
    });
    expect(assessRotation('orders-reader', user({ passwordCount: 2 }), secret(), first).kind).toBe('ready');
  });

  const refusals: [string, UserSnapshot | undefined, RotationSecretView | undefined, RegExp][] = [
    ['no user', undefined, secret(), /does not exist/],
    ['a user being deleted', user({ status: 'deleting' }), secret(), /being deleted/],
    [
      'a no-password user',
      user({ authenticationType: 'no-password' }),
      secret(),
      /does not authenticate with passwords/,
    ],
    ['an IAM user', user({ authenticationType: 'iam' }), secret(), /\(iam\)/],
    ['no secret', user(), undefined, /has no cachegate secret/],
    [
      'a secret cachegate does not manage',
      user(),
      secret({ managed: false }),
      /not tagged as cachegate's secret/,
    ],
    [
      'a secret scheduled for deletion',
      user(),
      secret({ scheduledForDeletion: true }),
      /scheduled for deletion/,
    ],
    ['a secret without AWSCURRENT', user(), secret({ stages: {} }), /no AWSCURRENT/],
    [
      'a secret for another user name',
      user(),
      secret({ currentUserName: 'someone' }),
      /not a secret for user name orders-reader/,
    ],
    [
      'an unreadable AWSCURRENT',
      user(),
      secret({ currentUserName: undefined }),
      /not a secret for user name/,
    ],
    ['a user with no password', user({ passwordCount: 0 }), secret(), /has 0 passwords/],
    [
      'a user with three passwords (impossible on AWS)',
      user({ passwordCount: 3 }),
      secret(),
      /has 3 passwords/,
    ],
  ];
  it.each(refusals)('refuses %s', (_, u, s, reason) => {
    const readiness = assessRotation('orders-reader', u, s, first);
    expect(readiness.kind).toBe('refuse');
    expect((readiness as { reason: string }).reason).toMatch(reason);
  });

  it.each(['creating', 'modifying'])('waits while the user is %s, then refuses at the limit', (status) => {
    expect(
      assessRotation('orders-reader', user({ status }), secret(), { checks: 18, maxChecks: 20 }),
    ).toEqual({
      kind: 'wait',
      reason: `user orders-reader is ${status}`,
    });
    expect(
      assessRotation('orders-reader', user({ status }), secret(), { checks: 19, maxChecks: 20 }),
    ).toEqual({
      kind: 'refuse',
      reason: `user orders-reader is still ${status} after 20 checks`,
    });
  });

  it('refuses a broken secret even while the user is modifying (no point waiting)', () => {
    expect(assessRotation('orders-reader', user({ status: 'modifying' }), undefined, first).kind).toBe(
      'refuse',
    );
  });
});

describe('planPendingVersion', () => {
  it('creates its own version when no rotation is in progress', () => {
    expect(planPendingVersion({ currentVersionId: 'v1' }, 'mine')).toEqual({
      kind: 'create',
      versionId: 'mine',
    });
    expect(planPendingVersion({ currentVersionId: 'v1', pendingVersionId: 'v1' }, 'mine')).toEqual({
      kind: 'create',
      versionId: 'mine',
    });
  });

  it('reuses a pending version (its own after a retry, or a dead run’s)', () => {
    expect(planPendingVersion({ currentVersionId: 'v1', pendingVersionId: 'mine' }, 'mine')).toEqual({
      kind: 'reuse',
      versionId: 'mine',
    });
    expect(planPendingVersion({ currentVersionId: 'v1', pendingVersionId: 'dead' }, 'mine')).toEqual({
      kind: 'reuse',
      versionId: 'dead',
    });
  });

  it('refuses without AWSCURRENT', () => {
    expect(() => planPendingVersion({ pendingVersionId: 'x' }, 'mine')).toThrow(RotationRefusedError);
  });
});

describe('rotationPasswordList', () => {
  const pending = { username: 'u', password: 'new-password-0123456789' };
  const current = { username: 'u', password: 'old-password-0123456789' };

  it('is [pending, current]: two passwords, the current one kept', () => {
    expect(rotationPasswordList('u', pending, current)).toEqual([pending.password, current.password]);
  });

  it('refuses versions for another user name, or the same password twice, without quoting it', () => {
    expect(() => rotationPasswordList('u', { ...pending, username: 'x' }, current)).toThrow(
      RotationRefusedError,
    );
    expect(() => rotationPasswordList('u', pending, { ...current, username: 'x' })).toThrow(
      RotationRefusedError,
    );
    try {
      rotationPasswordList('u', current, current);
      throw new Error('expected a refusal');
    } catch (error) {
      expect(error).toBeInstanceOf(RotationRefusedError);
      expect((error as Error).message).not.toContain(current.password);
    }
  });
});

describe('promotionMoves', () => {
  it('moves AWSCURRENT onto the pending version, then clears AWSPENDING', () => {
    expect(
      promotionMoves({ currentVersionId: 'v1', pendingVersionId: 'v2', previousVersionId: 'v0' }, 'v2'),
    ).toEqual([
      { stage: 'AWSCURRENT', moveToVersionId: 'v2', removeFromVersionId: 'v1' },
      { stage: 'AWSPENDING', removeFromVersionId: 'v2' },
    ]);
  });

  it('after a crash between the two moves, only clears AWSPENDING', () => {
    expect(
      promotionMoves({ currentVersionId: 'v2', pendingVersionId: 'v2', previousVersionId: 'v1' }, 'v2'),
    ).toEqual([{ stage: 'AWSPENDING', removeFromVersionId: 'v2' }]);
  });

  it('does nothing when already promoted', () => {
    expect(promotionMoves({ currentVersionId: 'v2', previousVersionId: 'v1' }, 'v2')).toEqual([]);
  });

  it('refuses to promote when AWSPENDING moved to another version (another rotation)', () => {
    expect(() => promotionMoves({ currentVersionId: 'v1', pendingVersionId: 'v3' }, 'v2')).toThrow(
      ConflictError,
    );
    expect(() => promotionMoves({ currentVersionId: 'v1' }, 'v2')).toThrow(ConflictError);
  });

  it('refuses without AWSCURRENT', () => {
    expect(() => promotionMoves({ pendingVersionId: 'v2' }, 'v2')).toThrow(RotationRefusedError);
  });
});

describe('labelMove', () => {
  it('moves a label onto the version, off the version that held it', () => {
    expect(labelMove({ v1: ['AWSCURRENT', 'MARK'], v2: ['AWSPENDING'] }, 'MARK', 'v2')).toEqual({
      stage: 'MARK',
      moveToVersionId: 'v2',
      removeFromVersionId: 'v1',
    });
  });

  it('only attaches a label no version holds yet', () => {
    expect(labelMove({ v1: ['AWSCURRENT'], v2: ['AWSPENDING'] }, 'MARK', 'v2')).toEqual({
      stage: 'MARK',
      moveToVersionId: 'v2',
    });
  });
});

import { describe, expect, it } from '@jest/globals';
import type { ReplicationGroupSnapshot } from '../../../functions/core/rbac/snapshots.js';
import {
  MAX_RETIRE_AFTER_HOURS,
  assessTokenRotation,
  authTokenClaimKey,
  authTokenSecretName,
  requireDistinctTokens,
  rotateAuthTokenRequestSchema,
  tokenChangeConvergence,
  tokenChangeUnderWay,
  type TokenSecretView,
} from '../../../functions/core/rotation/auth-token-rotation.js';
import { RotationRefusedError } from '../../../functions/core/rotation/errors.js';

const ARN =
  'arn:aws:secretsmanager:eu-west-1:123456789012:secret:cachegate/elasticache/auth-tokens/orders-rg-AbCdEf';
const onAuth = (extra: Partial<ReplicationGroupSnapshot> = {}): ReplicationGroupSnapshot => ({
  replicationGroupId: 'orders-rg',
  status: 'available',
  engine: 'redis',
  transitEncryptionEnabled: true,
  authTokenEnabled: true,
  userGroupIds: [],
  pendingUserGroupIdsToAdd: [],
  pendingUserGroupIdsToRemove: [],
  ...extra,
});
const secret = (extra: Partial<TokenSecretView> = {}): TokenSecretView => ({
  arn: ARN,
  name: 'cachegate/elasticache/auth-tokens/orders-rg',
  scheduledForDeletion: false,
  stages: { currentVersionId: 'v-1' },
  currentIsValidToken: true,
  ...extra,
});
const first = { checks: 0, maxChecks: 40 };
const assess = (
  group: ReplicationGroupSnapshot | undefined,
  view: TokenSecretView | undefined = secret(),
  attempt = first,
) => assessTokenRotation('orders-rg', group, view, attempt, 'cachegate/elasticache/auth-tokens/orders-rg');

describe('the rotate-auth-token request', () => {
  it('waits 24 whole hours by default before SET, at most a week', () => {
    const parse = (extra: object) =>
      rotateAuthTokenRequestSchema.safeParse({ replicationGroupId: 'orders-rg', ...extra });
    expect(parse({}).data).toEqual({
      replicationGroupId: 'orders-rg',
      retireAfterHours: 24,
      requestedBy: 'cachegate',
    });
    expect(MAX_RETIRE_AFTER_HOURS).toBe(168);
    expect(parse({ retireAfterHours: 168 }).success).toBe(true);
    expect(parse({ retireAfterHours: 0 }).success).toBe(true);
    expect(parse({ retireAfterHours: 169 }).success).toBe(false);
    expect(parse({ retireAfterHours: -1 }).success).toBe(false);
    expect(parse({ retireAfterHours: 1.5 }).success).toBe(false);
  });

  it("names the group's token secret and its claim", () => {
    expect(authTokenSecretName('orders-rg')).toBe('cachegate/elasticache/auth-tokens/orders-rg');
    expect(authTokenClaimKey('orders-rg')).toBe('auth-token:orders-rg');
  });
});

describe('assessTokenRotation', () => {
  it('is ready for an available group on AUTH with a valid current token, naming its version', () => {
    expect(assess(onAuth())).toEqual({ kind: 'ready', currentVersionId: 'v-1' });
  });

  it('refuses what rotation cannot repair, each with its reason', () => {
    const refusal = (reason: string) => ({ kind: 'refuse', reason });
    expect(assess(undefined)).toEqual(refusal('replication group orders-rg does not exist'));
    expect(assess(onAuth({ transitEncryptionEnabled: false }))).toEqual(
      refusal('replication group orders-rg has no in-transit encryption: AUTH needs TLS'),
    );
    expect(assess(onAuth({ userGroupIds: ['users'] }))).toEqual(
      refusal(
        "replication group orders-rg uses RBAC (user group users): rotate its users' passwords instead",
      ),
    );
    expect(assess(onAuth({ pendingUserGroupIdsToAdd: ['joining'] }))).toEqual(
      refusal(
        "replication group orders-rg uses RBAC (user group joining): rotate its users' passwords instead",
      ),
    );
    expect(assess(onAuth({ authTokenEnabled: false }))).toEqual(
      refusal('replication group orders-rg does not use AUTH'),
    );
    expect(
      assessTokenRotation(
        'orders-rg',
        onAuth(),
        undefined,
        first,
        'cachegate/elasticache/auth-tokens/orders-rg',
      ),
    ).toEqual(refusal('secret cachegate/elasticache/auth-tokens/orders-rg does not exist'));
    expect(assess(onAuth(), secret({ name: 'other/orders-rg' }))).toEqual(
      refusal(`secret ${ARN} is not under cachegate/elasticache/auth-tokens/`),
    );
    expect(
      assess(onAuth(), secret({ name: 'copy/cachegate/elasticache/auth-tokens/orders-rg' })),
    ).toMatchObject({
      kind: 'refuse',
    });
    expect(assess(onAuth(), secret({ scheduledForDeletion: true }))).toEqual(
      refusal(`secret ${ARN} is scheduled for deletion`),
    );
    expect(assess(onAuth(), secret({ stages: { pendingVersionId: 'v-2' } }))).toEqual(
      refusal(`secret ${ARN} has no AWSCURRENT version`),
    );
    expect(assess(onAuth(), secret({ currentIsValidToken: false }))).toEqual(
      refusal(`the AWSCURRENT version of ${ARN} is not a valid AUTH token`),
    );
  });

  it('waits while the group changes or applies a token change, and gives up at the last check', () => {
    expect(assess(onAuth({ status: 'modifying' }))).toEqual({
      kind: 'wait',
      reason: 'replication group orders-rg is modifying',
    });
    expect(assess(onAuth({ authTokenStatus: 'ROTATING' }))).toEqual({
      kind: 'wait',
      reason: 'replication group orders-rg is available',
    });
    expect(assess(onAuth({ status: 'modifying' }), secret(), { checks: 38, maxChecks: 40 })).toMatchObject({
      kind: 'wait',
    });
    expect(assess(onAuth({ status: 'modifying' }), secret(), { checks: 39, maxChecks: 40 })).toEqual({
      kind: 'refuse',
      reason: 'replication group orders-rg is still modifying after 40 checks',
    });
  });
});

describe('requireDistinctTokens', () => {
  const token = (c: string) => c.repeat(32);

  it('accepts two different valid tokens', () => {
    expect(() => requireDistinctTokens(token('a'), token('b'))).not.toThrow();
  });

  it('refuses an invalid or repeated token, naming the stage and never the value', () => {
    const refused = (pending: string, current: string) => {
      try {
        requireDistinctTokens(pending, current);
      } catch (error) {
        expect(error).toBeInstanceOf(RotationRefusedError);
        return (error as Error).message;
      }
      throw new Error('expected a refusal');
    };
    expect(refused('short', token('b'))).toBe('the AWSPENDING token must be 16 to 128 characters long');
    expect(refused(token('a'), 'short')).toBe('the AWSCURRENT token must be 16 to 128 characters long');
    const same = refused(token('a'), token('a'));
    expect(same).toBe('the AWSPENDING version holds the same token as AWSCURRENT');
    expect(same).not.toContain(token('a'));
  });
});

describe('token change progress', () => {
  it('a ROTATE or SET is under way only while the group modifies with that change', () => {
    expect(
      tokenChangeUnderWay(onAuth({ status: 'modifying', authTokenStatus: 'ROTATING' }), 'ROTATING'),
    ).toBe(true);
    expect(tokenChangeUnderWay(onAuth({ status: 'modifying', authTokenStatus: 'SETTING' }), 'ROTATING')).toBe(
      false,
    );
    expect(
      tokenChangeUnderWay(onAuth({ status: 'available', authTokenStatus: 'ROTATING' }), 'ROTATING'),
    ).toBe(false);
    expect(tokenChangeUnderWay(onAuth({ status: 'modifying' }), 'SETTING')).toBe(false);
  });

  it('settles when the group is available on AUTH with no token change pending', () => {
    expect(tokenChangeConvergence(undefined)).toBe('needs-change');
    expect(tokenChangeConvergence(onAuth({ authTokenEnabled: false }))).toBe('needs-change');
    expect(tokenChangeConvergence(onAuth({ status: 'modifying' }))).toBe('pending');
    expect(tokenChangeConvergence(onAuth({ authTokenStatus: 'SETTING' }))).toBe('pending');
    expect(tokenChangeConvergence(onAuth())).toBe('settled');
  });
});

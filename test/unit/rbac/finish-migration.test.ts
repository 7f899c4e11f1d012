import { describe, expect, it } from '@jest/globals';
import {
  defaultUserConnections,
  finishMigrationRequestSchema,
  nextSample,
  planFinishMigration,
  SAMPLE_INTERVAL_SECONDS,
} from '../../../functions/core/rbac/finish-migration.js';
import type { ReplicationGroupSnapshot, UserDetailSnapshot } from '../../../functions/core/rbac/snapshots.js';
import { replicationGroupOnRbac } from './builders.js';

const TOKEN_ARN =
  'arn:aws:secretsmanager:eu-west-1:123456789012:secret:cachegate/elasticache/auth-tokens/orders-AbCdEf';
const request = (extra: Record<string, unknown> = {}) =>
  finishMigrationRequestSchema.parse({
    replicationGroupId: 'orders-rg',
    authTokenSecretArn: TOKEN_ARN,
    ...extra,
  });
const onRbac = (extra: Partial<ReplicationGroupSnapshot> = {}) =>
  replicationGroupOnRbac(['orders-group'], extra);
const user = (userId: string, userName: string, accessString: string): UserDetailSnapshot => ({
  userId,
  userName,
  accessString,
  status: 'active',
  authenticationType: 'password',
  passwordCount: 1,
  engine: 'redis',
});
const token = { arn: TOKEN_ARN, versionId: 'v-1' };
const users = [
  user('orders-app', 'orders-app', 'on ~orders:* +@read'),
  user('orders-default', 'default', 'on ~* +@all'),
];
const state = (extra: Record<string, unknown> = {}) => ({
  replicationGroup: onRbac(),
  userGroupMemberIds: ['orders-app', 'orders-default'],
  users,
  authTokenSecret: token,
  ...extra,
});

describe('finish an AUTH → RBAC migration: the plan', () => {
  it("locks the group's user named default after one look now and one per interval to the window's end", () => {
    const plan = planFinishMigration(request({ requestedBy: 'alice', requestId: 'req-1' }), state());
    expect(plan).toEqual({
      replicationGroupId: 'orders-rg',
      userGroupId: 'orders-group',
      defaultUserId: 'orders-default',
      userId: 'orders-default',
      userGroupIds: ['orders-group'],
      authToken: token,
      alreadyLocked: false,
      forced: false,
      samplesNeeded: 3600 / SAMPLE_INTERVAL_SECONDS + 1,
      requestedBy: 'alice',
      requestId: 'req-1',
    });
    // A window that is not a whole number of intervals rounds up; a zero window is one look.
    expect(planFinishMigration(request({ windowSeconds: 61 }), state()).samplesNeeded).toBe(3);
    expect(planFinishMigration(request({ windowSeconds: 0 }), state()).samplesNeeded).toBe(1);
  });

  it('refuses a replication group that does not exist, naming the field', () => {
    expect(() => planFinishMigration(request(), state({ replicationGroup: undefined }))).toThrow(
      expect.objectContaining({
        field: 'replicationGroupId',
        message: 'replicationGroupId: replication group orders-rg does not exist',
      }),
    );
  });

  it.each([
    ['still on AUTH', onRbac({ authTokenEnabled: true })],
    ['without a user group', onRbac({ userGroupIds: [] })],
    ['with its user group still being added', onRbac({ pendingUserGroupIdsToAdd: ['orders-group'] })],
  ])('refuses a replication group %s: migrate-to-rbac has not finished', (_what, replicationGroup) => {
    expect(() => planFinishMigration(request(), state({ replicationGroup }))).toThrow(
      expect.objectContaining({
        field: 'replicationGroupId',
        message: expect.stringMatching(/is not on RBAC yet/),
      }),
    );
  });

  it('refuses a group with no member named default (a user named otherwise, or a member not found)', () => {
    for (const userGroupMemberIds of [['orders-app'], ['orders-app', 'gone-user'], undefined]) {
      expect(() => planFinishMigration(request(), state({ userGroupMemberIds }))).toThrow(
        expect.objectContaining({
          field: 'replicationGroupId',
          message: 'replicationGroupId: user group orders-group has no user named default',
        }),
      );
    }
    // A user named default outside the group is not the group's default.
    expect(() =>
      planFinishMigration(request(), state({ userGroupMemberIds: ['orders-app'], users: [...users] })),
    ).toThrow(/no user named default/);
  });

  it('needs the token to list connections, unless the lock is forced with a reason or done already', () => {
    expect(() => planFinishMigration(request(), state({ authTokenSecret: undefined }))).toThrow(
      expect.objectContaining({
        field: 'authTokenSecretArn',
        message: expect.stringMatching(/cannot be read/),
      }),
    );
    const forced = planFinishMigration(
      request({ forceReason: '  the last client was retired on Monday  ' }),
      state({ authTokenSecret: undefined }),
    );
    expect(forced).toMatchObject({ forced: true, forceReason: 'the last client was retired on Monday' });
    expect(forced).not.toHaveProperty('authToken');
    const locked = planFinishMigration(
      request(),
      state({
        authTokenSecret: undefined,
        users: [users[0]!, user('orders-default', 'default', 'off -@all')],
      }),
    );
    expect(locked).toMatchObject({ alreadyLocked: true, forced: false });
    expect(locked).not.toHaveProperty('forceReason');
    expect(locked).not.toHaveProperty('requestId');
  });

  it('refuses a force reason that does not say why, and a window over a week', () => {
    expect(() => request({ forceReason: 'because' })).toThrow(/at least 10 characters/);
    expect(() => request({ windowSeconds: 7 * 24 * 3600 + 1 })).toThrow();
    expect(request().windowSeconds).toBe(3600);
    expect(request().requestedBy).toBe('cachegate');
  });
});

describe('finish an AUTH → RBAC migration: connections and samples', () => {
  const clientList = [
    'id=7 addr=10.0.1.5:51000 laddr=10.0.0.1:6379 fd=8 name=probe age=0 idle=0 user=default cmd=client|list',
    'id=12 addr=10.0.2.9:40222 laddr=10.0.0.1:6379 fd=9 name=legacy-worker age=3605 idle=2 user=default cmd=get',
    'id=13 addr=10.0.2.10:40300 laddr=10.0.0.1:6379 fd=10 name= age=12 idle=0 user=orders-app cmd=set',
    '   ',
    'id=14 addr=10.0.2.11:40301 age=5 user=default flags',
    '',
  ].join('\n');

  it("lists the connections logged in as default, leaving out the probe's own", () => {
    expect(defaultUserConnections(clientList, '7')).toEqual([
      { id: '12', addr: '10.0.2.9:40222', name: 'legacy-worker', ageSeconds: 3605, lastCommand: 'get' },
      { id: '14', addr: '10.0.2.11:40301', name: '', ageSeconds: 5, lastCommand: '' },
    ]);
    expect(defaultUserConnections(clientList, '12').map((c) => c.id)).toEqual(['7', '14']);
    expect(defaultUserConnections('', '7')).toEqual([]);
    expect(defaultUserConnections('id=9 user=default', '7')).toEqual([
      { id: '9', addr: '', name: '', ageSeconds: 0, lastCommand: '' },
    ]);
  });

  it('reads CRLF line ends, and a line without an ID as a connection with an empty one', () => {
    // The user field last on its line: without trimming, its value would keep the "\r".
    expect(defaultUserConnections('id=3 addr=10.0.2.9:1 user=default\r\nid=4 user=app\r\n', '7')).toEqual([
      { id: '3', addr: '10.0.2.9:1', name: '', ageSeconds: 0, lastCommand: '' },
    ]);
    expect(defaultUserConnections('addr=10.0.2.9:2 user=default', '7')).toEqual([
      { id: '', addr: '10.0.2.9:2', name: '', ageSeconds: 0, lastCommand: '' },
    ]);
  });

  it('locks only after the needed number of empty looks; any connection means in use', () => {
    expect(nextSample(0, 0, 3)).toEqual({ samplesTaken: 1, outcome: 'wait' });
    expect(nextSample(0, 1, 3)).toEqual({ samplesTaken: 2, outcome: 'wait' });
    expect(nextSample(0, 2, 3)).toEqual({ samplesTaken: 3, outcome: 'drained' });
    expect(nextSample(0, 5, 3)).toEqual({ samplesTaken: 6, outcome: 'drained' });
    expect(nextSample(1, 2, 3)).toEqual({ samplesTaken: 3, outcome: 'in-use' });
    expect(nextSample(0, 0, 1)).toEqual({ samplesTaken: 1, outcome: 'drained' });
  });
});

import {
  DefaultUserRequired,
  DuplicateUserNameFault,
  InvalidParameterCombinationException,
  InvalidParameterValueException,
  InvalidUserGroupStateFault,
  UserGroupAlreadyExistsFault,
  UserGroupQuotaExceededFault,
  UserNotFoundFault,
} from '@aws-sdk/client-elasticache';
import { serviceFault } from '../../service-error.js';
import { checkQuota, membersAfterChange, oneOrAll } from '../cache-rbac-model-helpers.js';
import { checkEngine, checkIdentifier, type Engine } from './parameters.js';
import { takeInUserGroupChange } from './serverless-caches.js';
import {
  DEFAULT_USER_NAME,
  FAULTS,
  lowerCaseIds,
  paginate,
  type ElastiCacheState,
  type UserGroup,
} from './state.js';

/** CreateUserGroup, DescribeUserGroups, ModifyUserGroup, DeleteUserGroup. */
export function userGroupCommands(s: ElastiCacheState) {
  return {
    CreateUserGroup: (input: {
      UserGroupId?: string;
      Engine?: string;
      UserIds?: string[];
      Tags?: unknown[];
    }) =>
      s.settled(() => {
        const userGroupId = checkIdentifier('UserGroupId', input.UserGroupId);
        const engine = checkEngine(input.Engine);
        if (s.userGroups.has(userGroupId)) {
          throw serviceFault(UserGroupAlreadyExistsFault, `User group ${userGroupId} already exists.`);
        }
        checkQuota(
          s.userGroups.size,
          s.quotas.userGroupsPerAccount,
          'user groups per account',
          UserGroupQuotaExceededFault,
        );
        const userIds = lowerCaseIds(input.UserIds);
        checkMembers(s, userIds, userIds, engine);
        const group: UserGroup = { userGroupId, engine, userIds: new Set(userIds), status: 'creating' };
        s.userGroups.set(userGroupId, group);
        group.pending = {
          readyAt: s.clock.nowMs() + s.delays.userGroupCreate,
          apply: () => {
            group.status = 'active';
          },
        };
        return s.userGroupView(group);
      }),

    DescribeUserGroups: (input: { UserGroupId?: string; MaxRecords?: number; Marker?: string }) =>
      s.settled(() => {
        const groups = oneOrAll(input.UserGroupId, (id) => s.findUserGroup(id), s.userGroups);
        const { page, marker } = paginate(groups, input, InvalidParameterCombinationException);
        return { UserGroups: page.map((g) => s.userGroupView(g)), Marker: marker };
      }),

    ModifyUserGroup: (input: {
      UserGroupId?: string;
      UserIdsToAdd?: string[];
      UserIdsToRemove?: string[];
      Engine?: string;
    }) =>
      s.settled(() => {
        const group = s.activeUserGroup(input.UserGroupId);
        const add = lowerCaseIds(input.UserIdsToAdd);
        const remove = lowerCaseIds(input.UserIdsToRemove);
        if (add.length === 0 && remove.length === 0) {
          throw serviceFault(InvalidParameterCombinationException, 'Give UserIdsToAdd or UserIdsToRemove.');
        }
        const after = membersAfterChange(
          group.userIds,
          { add, remove },
          `user group ${group.userGroupId}`,
          FAULTS,
        );
        checkMembers(s, after, add, group.engine);
        group.status = 'modifying';
        group.pendingChanges = { add, remove };
        group.pending = {
          readyAt: s.clock.nowMs() + s.modifyingMs('userGroup'),
          apply: () => {
            for (const id of remove) group.userIds.delete(id);
            for (const id of add) if (s.users.has(id)) group.userIds.add(id);
            delete group.pendingChanges;
            group.status = 'active';
            s.notifyAccessOfUserGroup(group.userGroupId);
            takeInUserGroupChange(s, group.userGroupId);
          },
        };
        return s.userGroupView(group);
      }),

    DeleteUserGroup: (input: { UserGroupId?: string }) =>
      s.settled(() => {
        const group = s.activeUserGroup(input.UserGroupId);
        const attached = [
          ...s.replicationGroupsOf(group.userGroupId),
          ...s.serverlessCachesOf(group.userGroupId),
        ];
        if (attached.length > 0) {
          throw serviceFault(
            InvalidUserGroupStateFault,
            `User group ${group.userGroupId} is associated with cache(s) ${attached.join(', ')}.`,
          );
        }
        group.status = 'deleting';
        group.pending = {
          readyAt: s.clock.nowMs() + s.delays.userGroupDelete,
          apply: () => {
            s.userGroups.delete(group.userGroupId);
          },
        };
        return s.userGroupView(group);
      }),
  };
}

/** Test and demo set-up: an `active` user group, checked like CreateUserGroup. */
export function seedUserGroup(
  s: ElastiCacheState,
  spec: { id: string; userIds: string[]; engine?: Engine },
): void {
  s.applyDueChanges();
  const userGroupId = checkIdentifier('UserGroupId', spec.id);
  if (s.userGroups.has(userGroupId)) {
    throw serviceFault(UserGroupAlreadyExistsFault, `User group ${userGroupId} already exists.`);
  }
  const userIds = lowerCaseIds(spec.userIds);
  checkMembers(s, userIds, userIds, spec.engine ?? 'redis');
  s.userGroups.set(userGroupId, {
    userGroupId,
    engine: spec.engine ?? 'redis',
    userIds: new Set(userIds),
    status: 'active',
  });
}

/** Members must exist, be active, include one user named `default`, names unique, within quota. */
function checkMembers(s: ElastiCacheState, userIds: string[], added: string[], engine: Engine): void {
  for (const id of added) {
    const user = s.users.get(id);
    if (!user) throw serviceFault(UserNotFoundFault, `User ${id} not found.`);
    // Its own change, not another group's membership change, keeps a user out.
    if (user.status !== 'active') {
      throw serviceFault(
        InvalidParameterValueException,
        `User ${id} is ${user.status}; only active users can join a user group.`,
      );
    }
  }
  if (engine === 'valkey') {
    // Valkey user groups hold only users with a password or IAM authentication (ElastiCache
    // User Guide, RBAC); the built-in no-password `default` user cannot be one of them.
    const open = userIds.find((id) => s.users.get(id)?.authentication.type === 'no-password');
    if (open !== undefined) {
      throw serviceFault(
        InvalidParameterValueException,
        `User ${open} requires no password; a valkey user group can hold only users with a password or IAM authentication.`,
      );
    }
  }
  const names = userIds.map((id) => s.users.get(id)?.userName);
  if (!names.includes(DEFAULT_USER_NAME)) {
    throw serviceFault(DefaultUserRequired, 'A user group must contain a user with the user name default.');
  }
  const duplicate = names.find((name, index) => names.indexOf(name) !== index);
  if (duplicate !== undefined) {
    throw serviceFault(DuplicateUserNameFault, `A user group cannot contain two users named ${duplicate}.`);
  }
  if (userIds.length > s.quotas.usersPerUserGroup) {
    throw serviceFault(
      InvalidParameterValueException,
      `A user group can contain at most ${s.quotas.usersPerUserGroup} users; this change would make ${userIds.length}.`,
    );
  }
}

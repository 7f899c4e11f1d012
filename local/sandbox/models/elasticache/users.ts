import {
  DefaultUserAssociatedToUserGroupFault,
  DuplicateUserNameFault,
  InvalidParameterCombinationException,
  InvalidARNFault,
  InvalidParameterValueException,
  TagQuotaPerResourceExceeded,
  UserAlreadyExistsFault,
  UserNotFoundFault,
  UserQuotaExceededFault,
} from '@aws-sdk/client-elasticache';
import { normalizeAccessString } from '../../../../functions/core/access-string/index.js';
import { UnmodelledCommandError, serviceFault } from '../../service-error.js';
import { checkQuota, checkTags, checkUserChangeable } from '../cache-rbac-model-helpers.js';
import {
  checkEngine,
  checkIdentifier,
  checkUserName,
  resolveAuthentication,
  type Engine,
} from './parameters.js';
import {
  BUILT_IN_DEFAULT_USER,
  DEFAULT_USER_NAME,
  FAULTS,
  lowerCaseIds,
  paginate,
  passwordProblem,
  type ElastiCacheState,
  type User,
  type UserInput,
} from './state.js';

/** CreateUser, DescribeUsers, ModifyUser, DeleteUser. */
export function userCommands(s: ElastiCacheState) {
  return {
    CreateUser: (input: UserInput & { Tags?: unknown[] }) =>
      s.settled(() => {
        const userId = checkIdentifier('UserId', input.UserId);
        const userName = checkUserName(input.UserName);
        const engine = checkEngine(input.Engine);
        const accessString = checkAccessString('AccessString', input.AccessString, engine);
        if (input.AppendAccessString !== undefined) {
          throw serviceFault(InvalidParameterValueException, 'AppendAccessString is a ModifyUser parameter.');
        }
        const authentication = resolveAuthentication(input, passwordProblem);
        if (!authentication) {
          throw serviceFault(
            InvalidParameterCombinationException,
            'One of Passwords, NoPasswordRequired or AuthenticationMode is required.',
          );
        }
        if (authentication.type === 'iam' && userName !== userId) {
          // IAM authentication guide: an IAM-enabled user's user ID and user name must be identical.
          throw serviceFault(
            InvalidParameterValueException,
            'For IAM authentication, UserId and UserName must be identical.',
          );
        }
        if (s.users.has(userId)) throw serviceFault(UserAlreadyExistsFault, `User ${userId} already exists.`);
        if (userName !== DEFAULT_USER_NAME && [...s.users.values()].some((u) => u.userName === userName)) {
          throw serviceFault(DuplicateUserNameFault, `A user with the user name ${userName} already exists.`);
        }
        checkQuota(s.users.size, s.quotas.usersPerAccount, 'users per account', UserQuotaExceededFault);
        const user: User = {
          userId,
          userName,
          engine,
          accessString,
          authentication,
          status: 'creating',
          tags: checkTags(input.Tags, InvalidParameterValueException, TagQuotaPerResourceExceeded),
        };
        s.users.set(userId, user);
        user.pending = {
          readyAt: s.clock.nowMs() + s.delays.userCreate,
          apply: () => {
            user.status = 'active';
            s.notify(user);
          },
        };
        return s.userView(user);
      }),

    /** Users only: cachegate reads the tags of the users it created (CreateUser's `Tags`). */
    ListTagsForResource: (input: { ResourceName?: string }) =>
      s.settled(() => {
        const prefix = s.arn('user', '');
        const name = input.ResourceName ?? '';
        if (!name.startsWith('arn:aws:elasticache:')) {
          throw serviceFault(InvalidARNFault, `The ARN ${name} is not a valid ElastiCache ARN.`);
        }
        if (!name.startsWith(prefix))
          throw new UnmodelledCommandError('ElastiCache', 'ListTagsForResource (not a user)');
        const user = s.users.get(name.slice(prefix.length));
        if (!user) throw serviceFault(UserNotFoundFault, `User ${name.slice(prefix.length)} not found.`);
        return {
          TagList: [...(user.tags ?? new Map<string, string>())].map(([Key, Value]) => ({ Key, Value })),
        };
      }),

    DescribeUsers: (input: {
      UserId?: string;
      Engine?: string;
      Filters?: { Name?: string; Values?: string[] }[];
      MaxRecords?: number;
      Marker?: string;
    }) =>
      s.settled(() => {
        let users = [...s.users.values()];
        if (input.UserId !== undefined) users = [s.findUser(input.UserId)];
        if (input.Engine !== undefined) users = users.filter((u) => u.engine === input.Engine?.toLowerCase());
        for (const filter of input.Filters ?? []) {
          if (filter.Name !== 'user-id') {
            throw serviceFault(
              InvalidParameterCombinationException,
              `Filter name ${String(filter.Name)} is not supported; use user-id.`,
            );
          }
          users = users.filter((u) => lowerCaseIds(filter.Values).includes(u.userId));
        }
        const { page, marker } = paginate(users, input, InvalidParameterCombinationException);
        return { Users: page.map((u) => s.userView(u)), Marker: marker };
      }),

    ModifyUser: (input: UserInput) =>
      s.settled(() => {
        const user = s.findUser(input.UserId);
        checkUserChangeable(
          { id: user.userId, status: s.userStatus(user) },
          BUILT_IN_DEFAULT_USER,
          'modified',
          FAULTS,
        );
        if (input.AccessString !== undefined && input.AppendAccessString !== undefined) {
          throw serviceFault(
            InvalidParameterCombinationException,
            'AccessString and AppendAccessString cannot both be given.',
          );
        }
        if (
          input.Engine !== undefined &&
          checkEngine(input.Engine) !== user.engine &&
          user.engine === 'valkey'
        ) {
          throw serviceFault(
            InvalidParameterCombinationException,
            'A valkey user cannot be changed back to redis.',
          );
        }
        const engine = input.Engine !== undefined ? checkEngine(input.Engine) : undefined;
        const accessString =
          input.AccessString !== undefined
            ? checkAccessString('AccessString', input.AccessString, engine ?? user.engine)
            : input.AppendAccessString !== undefined
              ? checkAccessString(
                  'AppendAccessString',
                  `${user.accessString} ${input.AppendAccessString}`,
                  engine ?? user.engine,
                )
              : undefined;
        const authentication = resolveAuthentication(input, passwordProblem);
        if (accessString === undefined && authentication === undefined && engine === undefined) {
          throw serviceFault(InvalidParameterCombinationException, 'No modifications were requested.');
        }
        user.status = 'modifying';
        user.pending = {
          readyAt: s.clock.nowMs() + s.modifyingMs('user'),
          apply: () => {
            if (accessString !== undefined) user.accessString = accessString;
            if (authentication !== undefined) user.authentication = authentication;
            if (engine !== undefined) user.engine = engine;
            user.status = 'active';
            s.notify(user);
          },
        };
        return s.userView(user);
      }),

    DeleteUser: (input: { UserId?: string }) =>
      s.settled(() => {
        const user = s.findUser(input.UserId);
        checkUserChangeable(
          { id: user.userId, status: s.userStatus(user) },
          BUILT_IN_DEFAULT_USER,
          'deleted',
          FAULTS,
        );
        if (user.userName === DEFAULT_USER_NAME && s.groupsOf(user.userId).length > 0) {
          throw serviceFault(
            DefaultUserAssociatedToUserGroupFault,
            `User ${user.userId} is the default user of user group(s) ${s.groupsOf(user.userId).join(', ')}.`,
          );
        }
        user.status = 'deleting';
        user.pending = {
          readyAt: s.clock.nowMs() + s.delays.userDelete,
          apply: () => {
            // Deleting a user removes it from every user group (and so ends its connections).
            for (const group of s.userGroups.values()) group.userIds.delete(user.userId);
            s.users.delete(user.userId);
            s.notify(user, 'deleted');
          },
        };
        return s.userView(user);
      }),
  };
}

/** Test and demo set-up: an `active` user, checked like CreateUser (quota included). */
export function seedUser(
  s: ElastiCacheState,
  spec: {
    userId: string;
    userName: string;
    accessString: string;
    passwords?: string[];
    engine?: Engine;
  },
): void {
  s.applyDueChanges();
  const userId = checkIdentifier('UserId', spec.userId);
  if (s.users.has(userId)) throw serviceFault(UserAlreadyExistsFault, `User ${userId} already exists.`);
  checkQuota(s.users.size, s.quotas.usersPerAccount, 'users per account', UserQuotaExceededFault);
  const passwords = spec.passwords ?? [];
  const authentication =
    resolveAuthentication(
      passwords.length > 0 ? { Passwords: passwords } : { NoPasswordRequired: true },
      passwordProblem,
    ) ?? ({ type: 'no-password' } as const);
  const user: User = {
    userId,
    userName: checkUserName(spec.userName),
    engine: spec.engine ?? 'redis',
    accessString: checkAccessString('AccessString', spec.accessString, spec.engine ?? 'redis'),
    authentication,
    status: 'active',
  };
  s.users.set(userId, user);
  s.notify(user);
}

/** Checked against the newest command catalog of the user's engine (assumption: docs/access-strings.md). */
export function checkAccessString(field: string, accessString: unknown, engine: Engine): string {
  if (typeof accessString !== 'string')
    throw serviceFault(InvalidParameterValueException, `${field} is required.`);
  try {
    return normalizeAccessString(accessString, { engine: { engine } });
  } catch (error) {
    throw serviceFault(InvalidParameterValueException, `${field} is invalid: ${(error as Error).message}`);
  }
}

import {
  InvalidParameterCombinationException,
  InvalidARNFault,
  InvalidParameterValueException,
  TagQuotaPerResourceExceeded,
  UserAlreadyExistsFault,
  UserNotFoundFault,
  UserQuotaExceededFault,
} from '@aws-sdk/client-memorydb';
import { normalizeAccessString } from '../../../../functions/core/access-string/index.js';
import { validatePassword } from '../../../../functions/core/password-policy.js';
import { UnmodelledCommandError, serviceFault } from '../../service-error.js';
import { checkQuota, checkTags, checkUserChangeable, oneOrAll } from '../cache-rbac-model-helpers.js';
import {
  MEMORYDB_DEFAULT_USER,
  MAX_PASSWORDS,
  FAULTS,
  checkName,
  paginate,
  type MemoryDbState,
  type User,
  type Authentication,
  type AuthenticationModeInput,
} from './state.js';

/** CreateUser, DescribeUsers, UpdateUser, DeleteUser. */
export function userCommands(s: MemoryDbState) {
  return {
    CreateUser: (input: {
      UserName?: string;
      AuthenticationMode?: AuthenticationModeInput;
      AccessString?: string;
      Tags?: unknown[];
    }) =>
      s.settled(() => {
        const name = checkName('UserName', input.UserName);
        const accessString = checkAccessString(input.AccessString);
        if (!input.AuthenticationMode) {
          throw serviceFault(InvalidParameterValueException, 'AuthenticationMode is required.');
        }
        const authentication = resolveAuthentication(input.AuthenticationMode);
        if (s.users.has(name)) throw serviceFault(UserAlreadyExistsFault, `User ${name} already exists.`);
        checkQuota(s.users.size, s.quotas.usersPerAccount, 'users per account', UserQuotaExceededFault);
        const tags = checkTags(input.Tags, InvalidParameterValueException, TagQuotaPerResourceExceeded);
        const user: User = { name, accessString, authentication, status: 'active', tags };
        s.users.set(name, user);
        s.notify(user);
        return { User: s.userView(user) };
      }),

    /** Users only: cachegate reads the tags of the users it created (CreateUser's `Tags`). */
    ListTags: (input: { ResourceArn?: string }) =>
      s.settled(() => {
        const prefix = s.arn('user', '');
        const arn = input.ResourceArn ?? '';
        if (!arn.startsWith('arn:aws:memorydb:')) {
          throw serviceFault(InvalidARNFault, `The ARN ${arn} is not a valid MemoryDB ARN.`);
        }
        if (!arn.startsWith(prefix)) throw new UnmodelledCommandError('MemoryDB', 'ListTags (not a user)');
        const user = s.users.get(arn.slice(prefix.length));
        if (!user) throw serviceFault(UserNotFoundFault, `User ${arn.slice(prefix.length)} not found.`);
        return {
          TagList: [...(user.tags ?? new Map<string, string>())].map(([Key, Value]) => ({ Key, Value })),
        };
      }),

    DescribeUsers: (input: {
      UserName?: string;
      Filters?: { Name?: string; Values?: string[] }[];
      MaxResults?: number;
      NextToken?: string;
    }) =>
      s.settled(() => {
        if (input.Filters?.length) {
          throw serviceFault(
            InvalidParameterCombinationException,
            'sandbox: DescribeUsers Filters are not modelled.',
          );
        }
        const users = oneOrAll(input.UserName, (name) => s.findUser(name), s.users);
        const { page, nextToken } = paginate(users, input, InvalidParameterCombinationException);
        return { Users: page.map((u) => s.userView(u)), NextToken: nextToken };
      }),

    UpdateUser: (input: {
      UserName?: string;
      AuthenticationMode?: AuthenticationModeInput;
      AccessString?: string;
    }) =>
      s.settled(() => {
        const user = s.findUser(input.UserName);
        checkUserChangeable(
          { id: user.name, status: user.status },
          MEMORYDB_DEFAULT_USER,
          'modified',
          FAULTS,
        );
        const accessString =
          input.AccessString !== undefined ? checkAccessString(input.AccessString) : undefined;
        const authentication =
          input.AuthenticationMode !== undefined
            ? resolveAuthentication(input.AuthenticationMode)
            : undefined;
        if (accessString === undefined && authentication === undefined) {
          throw serviceFault(InvalidParameterCombinationException, 'No modifications were requested.');
        }
        user.status = 'modifying';
        user.pending = {
          readyAt: s.clock.nowMs() + s.delays.userModify,
          apply: () => {
            if (accessString !== undefined) user.accessString = accessString;
            if (authentication !== undefined) user.authentication = authentication;
            user.status = 'active';
            s.notify(user);
          },
        };
        return { User: s.userView(user) };
      }),

    DeleteUser: (input: { UserName?: string }) =>
      s.settled(() => {
        const user = s.findUser(input.UserName);
        checkUserChangeable({ id: user.name, status: user.status }, MEMORYDB_DEFAULT_USER, 'deleted', FAULTS);
        user.status = 'deleting';
        user.pending = {
          readyAt: s.clock.nowMs() + s.delays.userDelete,
          apply: () => {
            // Deleting a user removes it from every ACL, and so from every cluster.
            for (const acl of s.acls.values()) acl.userNames.delete(user.name);
            s.users.delete(user.name);
            s.notify(user, 'deleted');
          },
        };
        return { User: s.userView(user) };
      }),
  };
}

/** Test and demo set-up: an `active` user with 0 (no-password, like `default`) to 2 passwords. */
export function seedUser(
  s: MemoryDbState,
  spec: { userName: string; accessString: string; passwords?: string[] },
): void {
  s.applyDueChanges();
  const name = checkName('UserName', spec.userName);
  if (s.users.has(name)) throw serviceFault(UserAlreadyExistsFault, `User ${name} already exists.`);
  checkQuota(s.users.size, s.quotas.usersPerAccount, 'users per account', UserQuotaExceededFault);
  const passwords = spec.passwords ?? [];
  const user: User = {
    name,
    accessString: checkAccessString(spec.accessString),
    authentication:
      passwords.length > 0
        ? resolveAuthentication({ Type: 'password', Passwords: passwords })
        : { type: 'no-password' },
    status: 'active',
  };
  s.users.set(name, user);
  s.notify(user);
}

function checkAccessString(accessString: unknown): string {
  if (typeof accessString !== 'string' || !/\S/.test(accessString)) {
    throw serviceFault(InvalidParameterValueException, 'AccessString is required.');
  }
  try {
    return normalizeAccessString(accessString);
  } catch (error) {
    throw serviceFault(
      InvalidParameterValueException,
      `AccessString is invalid: ${(error as Error).message}`,
    );
  }
}

/** MemoryDB takes `password` (1–2 passwords) or `iam` (none); messages never quote a password. */
function resolveAuthentication(mode: AuthenticationModeInput): Authentication {
  if (mode.Type === 'iam') {
    if (mode.Passwords !== undefined) {
      throw serviceFault(
        InvalidParameterCombinationException,
        'Passwords are not allowed with authentication type iam.',
      );
    }
    return { type: 'iam' };
  }
  if (mode.Type !== 'password') {
    throw serviceFault(InvalidParameterValueException, 'AuthenticationMode.Type must be password or iam.');
  }
  const passwords = mode.Passwords;
  if (!passwords || passwords.length === 0 || passwords.length > MAX_PASSWORDS) {
    throw serviceFault(
      InvalidParameterValueException,
      `Passwords must hold 1 to ${MAX_PASSWORDS} passwords.`,
    );
  }
  passwords.forEach((password, index) => {
    const check = validatePassword(password);
    if (!check.ok) {
      throw serviceFault(InvalidParameterValueException, `Passwords[${index}] is invalid: ${check.reason}`);
    }
  });
  if (new Set(passwords).size !== passwords.length) {
    throw serviceFault(InvalidParameterValueException, 'Passwords must not contain the same password twice.');
  }
  return { type: 'password', passwords: [...passwords] };
}

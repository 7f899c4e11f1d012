import { serviceFault } from '../service-error.js';

/**
 * The rules the ElastiCache RBAC model and the MemoryDB model share because the two services
 * document them alike: asynchronous changes that land on the sandbox clock, the user-changed
 * hook, account quotas, who may be changed, and how a membership change is checked. Each model
 * passes its own SDK's exception classes, so the faults stay the service's own.
 */

type FaultClass = Parameters<typeof serviceFault>[0];

/** The exception classes of one service's SDK that the shared checks throw. */
export interface RbacFaults {
  InvalidParameterValueException: FaultClass;
  InvalidParameterCombinationException: FaultClass;
  InvalidUserStateFault: FaultClass;
}

/** A change in flight: applied when the sandbox clock reaches `readyAt`. */
export interface Pending {
  readyAt: number;
  apply: () => void;
}

/** Applies every pending change whose time has come, earliest first. */
export function applyDueChanges(resources: { pending?: Pending }[], now: number): void {
  const due = resources
    .filter((resource) => resource.pending && resource.pending.readyAt <= now)
    .sort((a, b) => (a.pending?.readyAt ?? 0) - (b.pending?.readyAt ?? 0));
  for (const resource of due) {
    const pending = resource.pending;
    delete resource.pending;
    pending?.apply();
  }
}

type Authentication =
  { type: 'password'; passwords: readonly string[] } | { type: 'no-password' } | { type: 'iam' };

/** How a describe call shows authentication: the number of passwords, never a password. */
export function authenticationView(
  auth: Authentication,
): { Type: 'password'; PasswordCount: number } | { Type: 'no-password' | 'iam' } {
  return auth.type === 'password'
    ? { Type: 'password', PasswordCount: auth.passwords.length }
    : { Type: auth.type };
}

/**
 * Calls the user-changed hook for a settled change: the user's passwords now, none once deleted
 * (the view then says `Status: 'deleted'`). The model awaits the result before it answers.
 */
export function reportUserChange<View extends object>(
  hook: (user: View, passwords: readonly string[]) => void | Promise<void>,
  view: View,
  auth: Authentication,
  deleted?: 'deleted',
): Promise<void> {
  const reported = { ...view, ...(deleted ? { Status: 'deleted' } : {}) };
  const passwords = !deleted && auth.type === 'password' ? auth.passwords : [];
  return Promise.resolve(hook(reported, [...passwords]));
}

/** Refuses a create once the account holds `quota` resources (`what`: e.g. "users per account"). */
export function checkQuota(count: number, quota: number, what: string, Fault: FaultClass): void {
  if (count >= quota) throw serviceFault(Fault, `The quota of ${quota} ${what} is reached.`);
}

/** Modify and delete calls: never on the built-in `default` user, and only on an `active` user. */
export function checkUserChangeable(
  user: { id: string; status: string },
  builtInUserId: string,
  change: 'modified' | 'deleted',
  faults: RbacFaults,
): void {
  if (user.id === builtInUserId) {
    throw serviceFault(
      faults.InvalidParameterValueException,
      `The built-in default user cannot be ${change}.`,
    );
  }
  if (user.status !== 'active') {
    throw serviceFault(faults.InvalidUserStateFault, `User ${user.id} is ${user.status}, not active.`);
  }
}

/**
 * The members after a membership change (ModifyUserGroup, UpdateACL). One bad member fails the
 * whole call, so nothing is added or removed: a member both added and removed, a removed user
 * that is not a member, an added user that is one already. `group` names it in messages.
 */
export function membersAfterChange(
  members: ReadonlySet<string>,
  change: { add: string[]; remove: string[] },
  group: string,
  faults: RbacFaults,
): string[] {
  const { add, remove } = change;
  const both = add.find((id) => remove.includes(id));
  if (both) {
    throw serviceFault(
      faults.InvalidParameterCombinationException,
      `User ${both} is both added and removed.`,
    );
  }
  for (const id of remove) {
    if (!members.has(id)) {
      throw serviceFault(faults.InvalidParameterValueException, `User ${id} is not a member of ${group}.`);
    }
  }
  for (const id of add) {
    if (members.has(id)) {
      throw serviceFault(
        faults.InvalidParameterValueException,
        `User ${id} is already a member of ${group}.`,
      );
    }
  }
  return [...members].filter((id) => !remove.includes(id)).concat(add);
}

/** Describe calls: the one resource asked for (its not-found fault when missing), or all of them. */
export function oneOrAll<T>(id: string | undefined, find: (id: string) => T, all: Map<string, T>): T[] {
  return id !== undefined ? [find(id)] : [...all.values()];
}

/**
 * CreateUser's `Tags` (both services): each with a string Key (and Value), at most 50 per
 * resource (the tag quota both document; more fails with TagQuotaPerResourceExceeded).
 */
export function checkTags(
  tags: unknown[] | undefined,
  Invalid: FaultClass,
  QuotaExceeded: FaultClass,
): Map<string, string> {
  const checked = new Map<string, string>();
  for (const tag of tags ?? []) {
    const { Key, Value } = (tag ?? {}) as { Key?: unknown; Value?: unknown };
    if (typeof Key !== 'string' || Key.length === 0 || (Value !== undefined && typeof Value !== 'string')) {
      throw serviceFault(Invalid, 'Each tag needs a Key and a string Value.');
    }
    checked.set(Key, Value ?? '');
  }
  if (checked.size > 50) {
    throw serviceFault(QuotaExceeded, 'The maximum number of tags permitted on a resource is 50.');
  }
  return checked;
}

import {
  ACLAlreadyExistsFault,
  ACLNotFoundFault,
  ACLQuotaExceededFault,
  ClusterNotFoundFault,
  InvalidACLStateFault,
  InvalidClusterStateFault,
  InvalidParameterCombinationException,
  InvalidParameterValueException,
  InvalidUserStateFault,
  NoOperationFault,
  UserAlreadyExistsFault,
  UserNotFoundFault,
  UserQuotaExceededFault,
  type ACL as AclView,
  type Cluster as ClusterView,
  type User as UserView,
} from '@aws-sdk/client-memorydb';
import { normalizeAccessString } from '../../../functions/core/access-string/index.js';
import { validatePassword } from '../../../functions/core/password-policy.js';
import type { SandboxClock } from '../clock.js';
import type { ServiceModel } from '../sandbox.js';
import { serviceFault } from '../service-error.js';
import {
  applyDueChanges,
  authenticationView,
  checkQuota,
  checkUserChangeable,
  membersAfterChange,
  oneOrAll,
  reportUserChange,
  type Pending,
  type RbacFaults,
} from './cache-rbac-model-helpers.js';

/** Simulated durations of the asynchronous changes (milliseconds of sandbox time). */
export interface MemoryDbDelays {
  userModify: number;
  userDelete: number;
  aclCreate: number;
  aclModify: number;
  aclDelete: number;
  clusterUpdate: number;
}

export interface MemoryDbQuotas {
  usersPerAccount: number;
  usersPerAcl: number;
  aclsPerAccount: number;
}

/**
 * Told when a user's settled state changes (created, modified, or deleted with `Status:
 * 'deleted'`), with the user's passwords now; the model awaits it before answering the call.
 */
export type MemoryDbUserChangedHook = (user: UserView, passwords: readonly string[]) => void | Promise<void>;

export interface MemoryDbModelOptions {
  region?: string;
  accountId?: string;
  delays?: Partial<MemoryDbDelays>;
  quotas?: Partial<MemoryDbQuotas>;
  onUserChanged?: MemoryDbUserChangedHook;
}

const DEFAULT_DELAYS: MemoryDbDelays = {
  userModify: 30_000,
  userDelete: 30_000,
  aclCreate: 45_000,
  aclModify: 60_000,
  aclDelete: 30_000,
  clusterUpdate: 120_000,
};

/** Assumed equal to ElastiCache's RBAC quotas (1000 users, 100 per ACL, 100 ACLs); configurable. */
const DEFAULT_QUOTAS: MemoryDbQuotas = { usersPerAccount: 1000, usersPerAcl: 100, aclsPerAccount: 100 };

/** The built-in user every account has, and the built-in ACL that holds only it. */
export const MEMORYDB_DEFAULT_USER = 'default';
export const OPEN_ACCESS_ACL = 'open-access';
const NAME = /^[a-zA-Z][a-zA-Z0-9-]*$/;
const MAX_NAME_LENGTH = 40;
const MAX_PASSWORDS = 2;
const MAX_RESULTS = 100;
const ENGINE_VERSION = '6.2';
const FAULTS: RbacFaults = {
  InvalidParameterValueException,
  InvalidParameterCombinationException,
  InvalidUserStateFault,
};

type Authentication = { type: 'password'; passwords: string[] } | { type: 'iam' } | { type: 'no-password' };

interface User {
  name: string;
  accessString: string;
  authentication: Authentication;
  status: 'active' | 'modifying' | 'deleting';
  pending?: Pending;
}

interface Acl {
  name: string;
  userNames: Set<string>;
  status: 'creating' | 'active' | 'modifying' | 'deleting';
  pendingChanges?: { add: string[]; remove: string[] };
  pending?: Pending;
}

interface Cluster {
  name: string;
  engine: 'redis' | 'valkey';
  tlsEnabled: boolean;
  aclName: string;
  status: 'available' | 'updating';
  aclToApply?: string;
  pending?: Pending;
}

interface AuthenticationModeInput {
  Type?: string;
  Passwords?: string[];
}

/**
 * Amazon MemoryDB access control as documented: users (the user name is the identifier, stored
 * in lower case; `password` or `iam` authentication, 1–2 passwords), ACLs that list user NAMES
 * (the built-in `open-access` ACL holds the built-in `default` user and cannot be changed), and
 * clusters that carry one `ACLName` (any ACL other than `open-access` needs TLS). Changes are
 * asynchronous on the sandbox clock: users go `modifying`/`deleting` (a new user is `active` at
 * once: MemoryDB documents no `creating` user status), ACLs `creating`/`modifying` (with
 * `PendingChanges`)/`deleting`, clusters `updating` (with `PendingUpdates.ACLs`). A call on a
 * resource that is not settled fails with the state fault. Modifications become visible only
 * when they complete. Access strings are validated and stored normalized. Error messages never
 * carry a password.
 */
export class MemoryDbModel implements ServiceModel {
  readonly serviceId = 'MemoryDB';
  readonly delays: MemoryDbDelays;
  readonly quotas: MemoryDbQuotas;
  private readonly users = new Map<string, User>();
  private readonly acls = new Map<string, Acl>();
  private readonly clusters = new Map<string, Cluster>();
  private readonly region: string;
  private readonly accountId: string;
  private readonly notifications: Promise<void>[] = [];
  onUserChanged: MemoryDbUserChangedHook | undefined;

  constructor(
    private readonly clock: SandboxClock,
    options: MemoryDbModelOptions = {},
  ) {
    this.region = options.region ?? 'us-east-1';
    this.accountId = options.accountId ?? '000000000000';
    this.delays = { ...DEFAULT_DELAYS, ...options.delays };
    this.quotas = { ...DEFAULT_QUOTAS, ...options.quotas };
    this.onUserChanged = options.onUserChanged;
    this.users.set(MEMORYDB_DEFAULT_USER, {
      name: MEMORYDB_DEFAULT_USER,
      accessString: normalizeAccessString('on ~* &* +@all'),
      authentication: { type: 'no-password' },
      status: 'active',
    });
    this.acls.set(OPEN_ACCESS_ACL, {
      name: OPEN_ACCESS_ACL,
      userNames: new Set([MEMORYDB_DEFAULT_USER]),
      status: 'active',
    });
  }

  readonly commands = {
    CreateUser: (input: {
      UserName?: string;
      AuthenticationMode?: AuthenticationModeInput;
      AccessString?: string;
      Tags?: unknown[];
    }) =>
      this.settled(() => {
        const name = checkName('UserName', input.UserName);
        const accessString = checkAccessString(input.AccessString);
        if (!input.AuthenticationMode) {
          throw serviceFault(InvalidParameterValueException, 'AuthenticationMode is required.');
        }
        const authentication = resolveAuthentication(input.AuthenticationMode);
        if (this.users.has(name)) throw serviceFault(UserAlreadyExistsFault, `User ${name} already exists.`);
        checkQuota(this.users.size, this.quotas.usersPerAccount, 'users per account', UserQuotaExceededFault);
        const user: User = { name, accessString, authentication, status: 'active' };
        this.users.set(name, user);
        this.notify(user);
        return { User: this.userView(user) };
      }),

    DescribeUsers: (input: {
      UserName?: string;
      Filters?: { Name?: string; Values?: string[] }[];
      MaxResults?: number;
      NextToken?: string;
    }) =>
      this.settled(() => {
        if (input.Filters?.length) {
          throw serviceFault(
            InvalidParameterValueException,
            'sandbox: DescribeUsers Filters are not modelled.',
          );
        }
        const users = oneOrAll(input.UserName, (name) => this.findUser(name), this.users);
        const { page, nextToken } = paginate(users, input);
        return { Users: page.map((u) => this.userView(u)), NextToken: nextToken };
      }),

    UpdateUser: (input: {
      UserName?: string;
      AuthenticationMode?: AuthenticationModeInput;
      AccessString?: string;
    }) =>
      this.settled(() => {
        const user = this.findUser(input.UserName);
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
          readyAt: this.clock.nowMs() + this.delays.userModify,
          apply: () => {
            if (accessString !== undefined) user.accessString = accessString;
            if (authentication !== undefined) user.authentication = authentication;
            user.status = 'active';
            this.notify(user);
          },
        };
        return { User: this.userView(user) };
      }),

    DeleteUser: (input: { UserName?: string }) =>
      this.settled(() => {
        const user = this.findUser(input.UserName);
        checkUserChangeable({ id: user.name, status: user.status }, MEMORYDB_DEFAULT_USER, 'deleted', FAULTS);
        user.status = 'deleting';
        user.pending = {
          readyAt: this.clock.nowMs() + this.delays.userDelete,
          apply: () => {
            // Deleting a user removes it from every ACL, and so from every cluster.
            for (const acl of this.acls.values()) acl.userNames.delete(user.name);
            this.users.delete(user.name);
            this.notify(user, 'deleted');
          },
        };
        return { User: this.userView(user) };
      }),

    CreateACL: (input: { ACLName?: string; UserNames?: string[]; Tags?: unknown[] }) =>
      this.settled(() => {
        const name = checkName('ACLName', input.ACLName);
        if (this.acls.has(name)) throw serviceFault(ACLAlreadyExistsFault, `ACL ${name} already exists.`);
        checkQuota(this.acls.size, this.quotas.aclsPerAccount, 'ACLs per account', ACLQuotaExceededFault);
        const userNames = [...new Set((input.UserNames ?? []).map((n) => n.toLowerCase()))];
        this.checkMembers(userNames, userNames);
        const acl: Acl = { name, userNames: new Set(userNames), status: 'creating' };
        this.acls.set(name, acl);
        acl.pending = {
          readyAt: this.clock.nowMs() + this.delays.aclCreate,
          apply: () => {
            acl.status = 'active';
          },
        };
        return { ACL: this.aclView(acl) };
      }),

    DescribeACLs: (input: { ACLName?: string; MaxResults?: number; NextToken?: string }) =>
      this.settled(() => {
        const acls = oneOrAll(input.ACLName, (name) => this.findAcl(name), this.acls);
        const { page, nextToken } = paginate(acls, input);
        return { ACLs: page.map((a) => this.aclView(a)), NextToken: nextToken };
      }),

    UpdateACL: (input: { ACLName?: string; UserNamesToAdd?: string[]; UserNamesToRemove?: string[] }) =>
      this.settled(() => {
        const acl = this.findAcl(input.ACLName);
        if (acl.name === OPEN_ACCESS_ACL) {
          throw serviceFault(InvalidParameterValueException, 'The open-access ACL cannot be modified.');
        }
        if (acl.status !== 'active') {
          throw serviceFault(InvalidACLStateFault, `ACL ${acl.name} is ${acl.status}, not active.`);
        }
        const add = [...new Set((input.UserNamesToAdd ?? []).map((n) => n.toLowerCase()))];
        const remove = [...new Set((input.UserNamesToRemove ?? []).map((n) => n.toLowerCase()))];
        if (add.length === 0 && remove.length === 0) {
          throw serviceFault(
            InvalidParameterCombinationException,
            'Give UserNamesToAdd or UserNamesToRemove.',
          );
        }
        const after = membersAfterChange(acl.userNames, { add, remove }, `ACL ${acl.name}`, FAULTS);
        this.checkMembers(after, add);
        acl.status = 'modifying';
        acl.pendingChanges = { add, remove };
        acl.pending = {
          readyAt: this.clock.nowMs() + this.delays.aclModify,
          apply: () => {
            for (const n of remove) acl.userNames.delete(n);
            for (const n of add) if (this.users.has(n)) acl.userNames.add(n);
            delete acl.pendingChanges;
            acl.status = 'active';
          },
        };
        return { ACL: this.aclView(acl) };
      }),

    DeleteACL: (input: { ACLName?: string }) =>
      this.settled(() => {
        const acl = this.findAcl(input.ACLName);
        if (acl.name === OPEN_ACCESS_ACL) {
          throw serviceFault(InvalidParameterValueException, 'The open-access ACL cannot be deleted.');
        }
        if (acl.status !== 'active') {
          throw serviceFault(InvalidACLStateFault, `ACL ${acl.name} is ${acl.status}, not active.`);
        }
        const clusters = this.clustersOf(acl.name);
        if (clusters.length > 0) {
          throw serviceFault(
            InvalidACLStateFault,
            `ACL ${acl.name} is associated with cluster(s) ${clusters.join(', ')}.`,
          );
        }
        acl.status = 'deleting';
        acl.pending = {
          readyAt: this.clock.nowMs() + this.delays.aclDelete,
          apply: () => {
            this.acls.delete(acl.name);
          },
        };
        return { ACL: this.aclView(acl) };
      }),

    DescribeClusters: (input: {
      ClusterName?: string;
      ShowShardDetails?: boolean;
      MaxResults?: number;
      NextToken?: string;
    }) =>
      this.settled(() => {
        const clusters = oneOrAll(input.ClusterName, (name) => this.findCluster(name), this.clusters);
        const { page, nextToken } = paginate(clusters, input);
        return { Clusters: page.map((c) => this.clusterView(c)), NextToken: nextToken };
      }),

    UpdateCluster: (input: { ClusterName?: string; ACLName?: string; [other: string]: unknown }) =>
      this.settled(() => {
        const cluster = this.findCluster(input.ClusterName);
        const other = Object.keys(input).find(
          (key) => key !== 'ClusterName' && key !== 'ACLName' && input[key] !== undefined,
        );
        if (other) {
          throw serviceFault(
            InvalidParameterValueException,
            `sandbox: UpdateCluster ${other} is not modelled.`,
          );
        }
        if (input.ACLName === undefined) {
          throw serviceFault(InvalidParameterCombinationException, 'No modifications were requested.');
        }
        if (cluster.status !== 'available') {
          throw serviceFault(
            InvalidClusterStateFault,
            `Cluster ${cluster.name} is ${cluster.status}, not available.`,
          );
        }
        const acl = this.findAcl(input.ACLName);
        if (acl.status !== 'active') {
          throw serviceFault(InvalidACLStateFault, `ACL ${acl.name} is ${acl.status}, not active.`);
        }
        if (acl.name !== OPEN_ACCESS_ACL && !cluster.tlsEnabled) {
          throw serviceFault(
            InvalidParameterCombinationException,
            `Cluster ${cluster.name} has TLS disabled; only the open-access ACL can be used without TLS.`,
          );
        }
        if (acl.name === cluster.aclName) {
          throw serviceFault(NoOperationFault, `Cluster ${cluster.name} already uses ACL ${acl.name}.`);
        }
        cluster.status = 'updating';
        cluster.aclToApply = acl.name;
        cluster.pending = {
          readyAt: this.clock.nowMs() + this.delays.clusterUpdate,
          apply: () => {
            cluster.aclName = acl.name;
            delete cluster.aclToApply;
            cluster.status = 'available';
          },
        };
        return { Cluster: this.clusterView(cluster) };
      }),
  };

  /** Test and demo set-up: an `active` user with 0 (no-password, like `default`) to 2 passwords. */
  seedUser(spec: { userName: string; accessString: string; passwords?: string[] }): void {
    this.applyDueChanges();
    const name = checkName('UserName', spec.userName);
    if (this.users.has(name)) throw serviceFault(UserAlreadyExistsFault, `User ${name} already exists.`);
    checkQuota(this.users.size, this.quotas.usersPerAccount, 'users per account', UserQuotaExceededFault);
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
    this.users.set(name, user);
    this.notify(user);
  }

  /** Test and demo set-up: an `active` ACL, checked like CreateACL. */
  seedAcl(spec: { name: string; userNames: string[] }): void {
    this.applyDueChanges();
    const name = checkName('ACLName', spec.name);
    if (this.acls.has(name)) throw serviceFault(ACLAlreadyExistsFault, `ACL ${name} already exists.`);
    const userNames = spec.userNames.map((n) => n.toLowerCase());
    this.checkMembers(userNames, userNames);
    this.acls.set(name, { name, userNames: new Set(userNames), status: 'active' });
  }

  /** Test and demo set-up: an `available` cluster on `aclName` (default `open-access`). */
  seedCluster(spec: {
    name: string;
    tlsEnabled?: boolean;
    aclName?: string;
    engine?: 'redis' | 'valkey';
  }): void {
    const aclName = spec.aclName ?? OPEN_ACCESS_ACL;
    const tlsEnabled = spec.tlsEnabled ?? true;
    this.findAcl(aclName);
    if (aclName !== OPEN_ACCESS_ACL && !tlsEnabled) {
      throw serviceFault(
        InvalidParameterCombinationException,
        'Only the open-access ACL can be used without TLS.',
      );
    }
    this.clusters.set(spec.name, {
      name: spec.name,
      engine: spec.engine ?? 'redis',
      tlsEnabled,
      aclName,
      status: 'available',
    });
  }

  /** Applies every change whose time has come and waits for the hooks they triggered. */
  async settle(): Promise<void> {
    this.applyDueChanges();
    await Promise.all(this.notifications.splice(0));
  }

  private applyDueChanges(): void {
    applyDueChanges(
      [...this.users.values(), ...this.acls.values(), ...this.clusters.values()],
      this.clock.nowMs(),
    );
  }

  private async settled<T>(work: () => T): Promise<T> {
    await this.settle();
    return work();
  }

  private notify(user: User, deleted?: 'deleted'): void {
    if (!this.onUserChanged) return;
    this.notifications.push(
      reportUserChange(this.onUserChanged, this.userView(user), user.authentication, deleted),
    );
  }

  /** Members must exist and be active; the ACL stays within the per-ACL quota. */
  private checkMembers(userNames: string[], added: string[]): void {
    for (const n of added) {
      const user = this.users.get(n);
      if (!user) throw serviceFault(UserNotFoundFault, `User ${n} not found.`);
      if (user.status !== 'active') {
        throw serviceFault(
          InvalidParameterValueException,
          `User ${n} is ${user.status}; only active users can join an ACL.`,
        );
      }
    }
    if (userNames.length > this.quotas.usersPerAcl) {
      throw serviceFault(
        InvalidParameterValueException,
        `An ACL can contain at most ${this.quotas.usersPerAcl} users; this change would make ${userNames.length}.`,
      );
    }
  }

  private findUser(name: string | undefined): User {
    const user = name === undefined ? undefined : this.users.get(name.toLowerCase());
    if (!user) throw serviceFault(UserNotFoundFault, `User ${String(name)} not found.`);
    return user;
  }

  private findAcl(name: string | undefined): Acl {
    const acl = name === undefined ? undefined : this.acls.get(name);
    if (!acl) throw serviceFault(ACLNotFoundFault, `ACL ${String(name)} not found.`);
    return acl;
  }

  private findCluster(name: string | undefined): Cluster {
    const cluster = name === undefined ? undefined : this.clusters.get(name);
    if (!cluster) throw serviceFault(ClusterNotFoundFault, `Cluster ${String(name)} not found.`);
    return cluster;
  }

  private aclsOf(userName: string): string[] {
    return [...this.acls.values()].filter((a) => a.userNames.has(userName)).map((a) => a.name);
  }

  private clustersOf(aclName: string): string[] {
    return [...this.clusters.values()]
      .filter((c) => c.aclName === aclName || c.aclToApply === aclName)
      .map((c) => c.name);
  }

  private arn(kind: string, name: string): string {
    return `arn:aws:memorydb:${this.region}:${this.accountId}:${kind}/${name}`;
  }

  private userView(user: User): UserView {
    return {
      Name: user.name,
      Status: user.status,
      AccessString: user.accessString,
      ACLNames: this.aclsOf(user.name),
      MinimumEngineVersion: ENGINE_VERSION,
      Authentication: authenticationView(user.authentication),
      ARN: this.arn('user', user.name),
    };
  }

  private aclView(acl: Acl): AclView {
    return {
      Name: acl.name,
      Status: acl.status,
      UserNames: [...acl.userNames],
      MinimumEngineVersion: ENGINE_VERSION,
      ...(acl.pendingChanges
        ? {
            PendingChanges: {
              ...(acl.pendingChanges.add.length ? { UserNamesToAdd: [...acl.pendingChanges.add] } : {}),
              ...(acl.pendingChanges.remove.length
                ? { UserNamesToRemove: [...acl.pendingChanges.remove] }
                : {}),
            },
          }
        : {}),
      Clusters: this.clustersOf(acl.name),
      ARN: this.arn('acl', acl.name),
    };
  }

  private clusterView(cluster: Cluster): ClusterView {
    return {
      Name: cluster.name,
      Status: cluster.status,
      Engine: cluster.engine,
      TLSEnabled: cluster.tlsEnabled,
      ACLName: cluster.aclName,
      ...(cluster.aclToApply ? { PendingUpdates: { ACLs: { ACLToApply: cluster.aclToApply } } } : {}),
      ARN: this.arn('cluster', cluster.name),
    };
  }
}

/** User and ACL names: a letter first, then letters, digits or hyphens. User names are stored in lower case. */
function checkName(kind: 'UserName' | 'ACLName', value: unknown): string {
  if (typeof value !== 'string' || !NAME.test(value) || value.length > MAX_NAME_LENGTH) {
    throw serviceFault(
      InvalidParameterValueException,
      `${kind} must be 1-${MAX_NAME_LENGTH} letters, digits or hyphens and begin with a letter.`,
    );
  }
  return kind === 'UserName' ? value.toLowerCase() : value;
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

/** `NextToken` is the index of the next record; `MaxResults` 1–100. */
function paginate<T>(
  items: T[],
  input: { MaxResults?: number; NextToken?: string },
): { page: T[]; nextToken?: string } {
  const max = input.MaxResults ?? MAX_RESULTS;
  if (!Number.isInteger(max) || max < 1 || max > MAX_RESULTS) {
    throw serviceFault(InvalidParameterValueException, `MaxResults must be between 1 and ${MAX_RESULTS}.`);
  }
  const start = input.NextToken === undefined ? 0 : Number(input.NextToken);
  if (!Number.isInteger(start) || start < 0) {
    throw serviceFault(InvalidParameterValueException, 'NextToken is not valid.');
  }
  const page = items.slice(start, start + max);
  return { page, ...(start + max < items.length ? { nextToken: String(start + max) } : {}) };
}

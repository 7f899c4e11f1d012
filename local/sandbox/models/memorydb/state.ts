import {
  ACLNotFoundFault,
  ClusterNotFoundFault,
  InvalidParameterCombinationException,
  InvalidParameterValueException,
  InvalidUserStateFault,
  UserNotFoundFault,
  type ACL as AclView,
  type Cluster as ClusterView,
  type User as UserView,
} from '@aws-sdk/client-memorydb';
import { normalizeAccessString } from '../../../../functions/core/access-string/index.js';
import type { SandboxClock } from '../../clock.js';
import { serviceFault } from '../../service-error.js';
import {
  applyDueChanges,
  authenticationView,
  reportUserChange,
  type Pending,
  type RbacFaults,
} from '../cache-rbac-model-helpers.js';

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

export const DEFAULT_DELAYS: MemoryDbDelays = {
  userModify: 30_000,
  userDelete: 30_000,
  aclCreate: 45_000,
  aclModify: 60_000,
  aclDelete: 30_000,
  clusterUpdate: 120_000,
};

/** Assumed equal to ElastiCache's RBAC quotas (1000 users, 100 per ACL, 100 ACLs); configurable. */
export const DEFAULT_QUOTAS: MemoryDbQuotas = {
  usersPerAccount: 1000,
  usersPerAcl: 100,
  aclsPerAccount: 100,
};

/** The built-in user every account has, and the built-in ACL that holds only it. */
export const MEMORYDB_DEFAULT_USER = 'default';
export const OPEN_ACCESS_ACL = 'open-access';
export const NAME = /^[a-zA-Z][a-zA-Z0-9-]*$/;
export const MAX_NAME_LENGTH = 40;
export const MAX_PASSWORDS = 2;
export const MAX_RESULTS = 100;
export const ENGINE_VERSION = '6.2';
export const FAULTS: RbacFaults = {
  InvalidParameterValueException,
  InvalidParameterCombinationException,
  InvalidUserStateFault,
};

export type Authentication =
  { type: 'password'; passwords: string[] } | { type: 'iam' } | { type: 'no-password' };

export interface User {
  name: string;
  accessString: string;
  authentication: Authentication;
  status: 'active' | 'modifying' | 'deleting';
  pending?: Pending;
  /** The tags CreateUser set (ListTags on the user's ARN returns them). */
  tags?: Map<string, string>;
}

export interface Acl {
  name: string;
  userNames: Set<string>;
  status: 'creating' | 'active' | 'modifying' | 'deleting';
  pendingChanges?: { add: string[]; remove: string[] };
  pending?: Pending;
}

export interface Cluster {
  name: string;
  engine: 'redis' | 'valkey';
  tlsEnabled: boolean;
  aclName: string;
  status: 'available' | 'updating';
  aclToApply?: string;
  pending?: Pending;
}

export interface AuthenticationModeInput {
  Type?: string;
  Passwords?: string[];
}

/**
 * The account's MemoryDB access-control resources and what every operation shares: the lookups,
 * the views the API returns, the asynchronous changes on the sandbox clock and the hook told when
 * a user's change settles. The operations live in one file per resource (users.ts, acls.ts,
 * clusters.ts).
 */
export class MemoryDbState {
  readonly delays: MemoryDbDelays;
  readonly quotas: MemoryDbQuotas;
  readonly users = new Map<string, User>();
  readonly acls = new Map<string, Acl>();
  readonly clusters = new Map<string, Cluster>();
  readonly region: string;
  readonly accountId: string;
  readonly notifications: Promise<void>[] = [];
  onUserChanged: MemoryDbUserChangedHook | undefined;

  constructor(
    readonly clock: SandboxClock,
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

  /** Applies every change whose time has come and waits for the hooks they triggered. */
  async settle(): Promise<void> {
    this.applyDueChanges();
    await Promise.all(this.notifications.splice(0));
  }

  applyDueChanges(): void {
    applyDueChanges(
      [...this.users.values(), ...this.acls.values(), ...this.clusters.values()],
      this.clock.nowMs(),
    );
  }

  async settled<T>(work: () => T): Promise<T> {
    await this.settle();
    return work();
  }

  notify(user: User, deleted?: 'deleted'): void {
    if (!this.onUserChanged) return;
    this.notifications.push(
      reportUserChange(this.onUserChanged, this.userView(user), user.authentication, deleted),
    );
  }

  findUser(name: string | undefined): User {
    const user = name === undefined ? undefined : this.users.get(name.toLowerCase());
    if (!user) throw serviceFault(UserNotFoundFault, `User ${String(name)} not found.`);
    return user;
  }

  findAcl(name: string | undefined): Acl {
    const acl = name === undefined ? undefined : this.acls.get(name);
    if (!acl) throw serviceFault(ACLNotFoundFault, `ACL ${String(name)} not found.`);
    return acl;
  }

  findCluster(name: string | undefined): Cluster {
    const cluster = name === undefined ? undefined : this.clusters.get(name);
    if (!cluster) throw serviceFault(ClusterNotFoundFault, `Cluster ${String(name)} not found.`);
    return cluster;
  }

  aclsOf(userName: string): string[] {
    return [...this.acls.values()].filter((a) => a.userNames.has(userName)).map((a) => a.name);
  }

  clustersOf(aclName: string): string[] {
    return [...this.clusters.values()]
      .filter((c) => c.aclName === aclName || c.aclToApply === aclName)
      .map((c) => c.name);
  }

  arn(kind: string, name: string): string {
    return `arn:aws:memorydb:${this.region}:${this.accountId}:${kind}/${name}`;
  }

  userView(user: User): UserView {
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

  aclView(acl: Acl): AclView {
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

  clusterView(cluster: Cluster): ClusterView {
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
export function checkName(kind: 'UserName' | 'ACLName', value: unknown): string {
  if (typeof value !== 'string' || !NAME.test(value) || value.length > MAX_NAME_LENGTH) {
    throw serviceFault(
      InvalidParameterValueException,
      `${kind} must be 1-${MAX_NAME_LENGTH} letters, digits or hyphens and begin with a letter.`,
    );
  }
  return kind === 'UserName' ? value.toLowerCase() : value;
}

/** `NextToken` is the index of the next record; `MaxResults` 1–100. */
export function paginate<T>(
  items: T[],
  input: { MaxResults?: number; NextToken?: string },
  /** The fault the operation declares for a bad parameter (DescribeUsers and DescribeACLs have no InvalidParameterValue). */
  Fault: Parameters<typeof serviceFault>[0],
): { page: T[]; nextToken?: string } {
  const max = input.MaxResults ?? MAX_RESULTS;
  if (!Number.isInteger(max) || max < 1 || max > MAX_RESULTS) {
    throw serviceFault(Fault, `MaxResults must be between 1 and ${MAX_RESULTS}.`);
  }
  const start = input.NextToken === undefined ? 0 : Number(input.NextToken);
  if (!Number.isInteger(start) || start < 0) {
    throw serviceFault(Fault, 'NextToken is not valid.');
  }
  const page = items.slice(start, start + max);
  return { page, ...(start + max < items.length ? { nextToken: String(start + max) } : {}) };
}

import type { ReplicationGroupSnapshot } from '../rbac/snapshots.js';

export type CacheEngine = 'redis' | 'valkey';

/** A cache RBAC user (ElastiCache or MemoryDB) as cachegate sees it: no password, only how many there are. */
export interface CacheUser {
  userId: string;
  userName: string;
  status: string;
  engine: string;
  accessString: string;
  authenticationType: string;
  passwordCount: number;
  userGroupIds: string[];
}

export interface CacheUserGroup {
  userGroupId: string;
  status: string;
  engine: string;
  userIds: string[];
  pendingUserIdsToAdd: string[];
  pendingUserIdsToRemove: string[];
  replicationGroupIds: string[];
  /** `UserGroup.ServerlessCaches` (ElastiCache only; a MemoryDB ACL has none). */
  serverlessCacheIds: string[];
}

/** A replication group as cachegate sees it: exactly what the migration planning reads. */
export type CacheReplicationGroup = ReplicationGroupSnapshot;

export interface NewCacheUser {
  userId: string;
  userName: string;
  engine: CacheEngine;
  accessString: string;
  /** One or two passwords; none means `no-password-required` (or IAM authentication with `iam`). */
  passwords: string[];
  iam?: boolean;
  /**
   * The run creating it (its execution ID), tagged on the user at CreateUser: a retry that finds
   * the user already there adopts it only when this tag names the same run.
   */
  createdBy: string;
}

/**
 * What the RBAC workflow Lambdas need from a cache service: users and the groups that grant
 * them access. ElastiCache implements it with users and user groups; MemoryDB with users and
 * ACLs (`functions/aws/memorydb.ts` documents the mapping). Errors are the service's own (the
 * workflows retry `InvalidUserGroupStateFault` and `InvalidACLStateFault` alike).
 */
export interface CacheRbacPort {
  describeUser(userId: string): Promise<CacheUser | undefined>;
  listUsers(): Promise<CacheUser[]>;
  createUser(spec: NewCacheUser): Promise<{ user: CacheUser; created: boolean }>;
  /** Replaces the user's password list (rotation); the user turns `modifying` until it applies. */
  modifyUserPasswords(userId: string, passwords: string[]): Promise<CacheUser>;
  deleteUser(userId: string): Promise<boolean>;
  describeUserGroup(userGroupId: string): Promise<CacheUserGroup | undefined>;
  listUserGroups(): Promise<CacheUserGroup[]>;
  modifyUserGroup(
    userGroupId: string,
    change: { add?: string[]; remove?: string[] },
  ): Promise<CacheUserGroup>;
  /** migrate-to-rbac: a new group with exactly these members (a retry finding it counts as created). */
  createUserGroup(userGroupId: string, engine: CacheEngine, userIds: string[]): Promise<CacheUserGroup>;
  /** A replication group (MemoryDB: a cluster, `open-access` standing for no user group). */
  describeReplicationGroup(replicationGroupId: string): Promise<CacheReplicationGroup | undefined>;
  /** The engine version its nodes run (RBAC needs a minimum); undefined when there is none to read. */
  describeEngineVersion(replicationGroupId: string): Promise<string | undefined>;
  /** migrate-to-rbac: attach the group (MemoryDB: UpdateCluster ACLName), applied immediately. */
  attachUserGroup(replicationGroupId: string, userGroupId: string): Promise<CacheReplicationGroup>;
}

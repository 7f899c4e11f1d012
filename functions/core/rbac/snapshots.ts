/**
 * The parts of ElastiCache users and user groups the RBAC planning reads: plain data, filled
 * in by the adapter (functions/aws/elasticache.ts), so the rules here stay pure.
 */
export interface UserSnapshot {
  userId: string;
  userName: string;
  status: string;
  authenticationType: string;
  passwordCount: number;
}

export interface UserGroupSnapshot {
  userGroupId: string;
  status: string;
  userIds: string[];
  pendingUserIdsToAdd: string[];
  pendingUserIdsToRemove: string[];
}

/** The user ID of the account's built-in user, and the user name every user group must contain. */
export const BUILT_IN_DEFAULT_USER_ID = 'default';
export const DEFAULT_USER_NAME = 'default';

/** AWS's documented ElastiCache quotas. */
export const ELASTICACHE_QUOTAS = {
  usersPerAccount: 1000,
  usersPerUserGroup: 100,
  userGroupsPerAccount: 100,
} as const;

/** A user as the default-user and migration planning reads it. */
export interface UserDetailSnapshot extends UserSnapshot {
  engine: string;
  accessString: string;
}

export interface ReplicationGroupSnapshot {
  replicationGroupId: string;
  status: string;
  engine: string;
  /** `major.minor[.patch]` where the service reports it (MemoryDB clusters, serverless caches). */
  engineVersion?: string;
  arn?: string;
  transitEncryptionEnabled: boolean;
  /** On AUTH (ElastiCache `AuthTokenEnabled`); MemoryDB clusters have no AUTH token. */
  authTokenEnabled: boolean;
  /** `PendingModifiedValues.AuthTokenStatus` (`ROTATING` / `SETTING`) while a token change is applied. */
  authTokenStatus?: string;
  userGroupIds: string[];
  pendingUserGroupIdsToAdd: string[];
  pendingUserGroupIdsToRemove: string[];
}

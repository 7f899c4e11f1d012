import * as z from 'zod/mini';
import { ValidationError } from '../errors.js';
import { isLockedAccessString } from './default-user.js';
import { rbacIdentifier } from './identifier.js';
import { authTokenSecretArnSchema } from './migration.js';
import { DEFAULT_USER_NAME, type ReplicationGroupSnapshot, type UserDetailSnapshot } from './snapshots.js';

/**
 * `finish` of an AUTH → RBAC migration: the replication group's `default` user (which carries the
 * old AUTH token) is locked once no connection logs in as it any more. Clients still sending
 * `AUTH <token>` show up in `CLIENT LIST` as `user=default`; the workflow samples that through the
 * connectivity probe over a window and locks only if every sample is empty, unless forced with a
 * reason (recorded in the audit event).
 */
export const finishMigrationRequestSchema = z.object({
  replicationGroupId: rbacIdentifier,
  /** The token secret migrate-to-rbac was given: the probe logs in with it to list clients. */
  authTokenSecretArn: authTokenSecretArnSchema,
  /** How long no connection may log in as `default` before it is locked (seconds). */
  windowSeconds: z._default(z.int().check(z.gte(0), z.lte(7 * 24 * 3600)), 3600),
  /** Lock even if connections remain, for this reason (kept in the audit event). */
  forceReason: z.optional(
    z.string().check(z.trim(), z.minLength(10, 'must say why (at least 10 characters)'), z.maxLength(500)),
  ),
  requestedBy: z._default(z.string().check(z.minLength(1), z.maxLength(128)), 'cachegate'),
  requestId: z.optional(z.string().check(z.minLength(1), z.maxLength(128))),
});

/** Seconds between two looks at `CLIENT LIST` (the Wait state of finish-migration.asl.json). */
export const SAMPLE_INTERVAL_SECONDS = 60;

export type FinishMigrationRequest = z.infer<typeof finishMigrationRequestSchema>;

export interface FinishMigrationPlan {
  replicationGroupId: string;
  userGroupId: string;
  /** The group's user named `default`: the one to lock. */
  defaultUserId: string;
  /** For the audit events. */
  userId: string;
  userGroupIds: string[];
  /** The token secret's version the probe logs in with; absent when it cannot be read and the lock is forced. */
  authToken?: { arn: string; versionId: string };
  /** True when an earlier run locked it already: nothing left to do. */
  alreadyLocked: boolean;
  forced: boolean;
  forceReason?: string;
  /** Looks at `CLIENT LIST` that must all be empty: one now, then one per interval to the window's end. */
  samplesNeeded: number;
  requestedBy: string;
  requestId?: string;
}

/** Checks the request against what the account holds; every error names the field. */
export function planFinishMigration(
  request: FinishMigrationRequest,
  state: {
    replicationGroup: ReplicationGroupSnapshot | undefined;
    userGroupMemberIds: string[] | undefined;
    users: UserDetailSnapshot[];
    authTokenSecret: { arn: string; versionId: string } | undefined;
  },
): FinishMigrationPlan {
  const rgId = request.replicationGroupId;
  const rg = state.replicationGroup;
  if (!rg) throw new ValidationError(`replication group ${rgId} does not exist`, 'replicationGroupId');
  const userGroupId = rg.userGroupIds[0];
  if (rg.authTokenEnabled || userGroupId === undefined || rg.pendingUserGroupIdsToAdd.length > 0) {
    throw new ValidationError(
      `replication group ${rgId} is not on RBAC yet; run migrate-to-rbac first and wait until it succeeded`,
      'replicationGroupId',
    );
  }
  const byId = new Map(state.users.map((u) => [u.userId, u]));
  const defaultUser = (state.userGroupMemberIds ?? [])
    .map((id) => byId.get(id))
    .find((u) => u?.userName === DEFAULT_USER_NAME);
  if (!defaultUser) {
    throw new ValidationError(`user group ${userGroupId} has no user named default`, 'replicationGroupId');
  }
  const alreadyLocked = isLockedAccessString(defaultUser.accessString);
  if (!state.authTokenSecret && !alreadyLocked && request.forceReason === undefined) {
    throw new ValidationError(
      `secret ${request.authTokenSecretArn} cannot be read: the probe needs the token to list the connections`,
      'authTokenSecretArn',
    );
  }
  const samplesNeeded = Math.ceil(request.windowSeconds / SAMPLE_INTERVAL_SECONDS) + 1;
  return {
    replicationGroupId: rgId,
    userGroupId,
    defaultUserId: defaultUser.userId,
    userId: defaultUser.userId,
    userGroupIds: [userGroupId],
    ...(state.authTokenSecret ? { authToken: state.authTokenSecret } : {}),
    alreadyLocked,
    forced: request.forceReason !== undefined,
    ...(request.forceReason !== undefined ? { forceReason: request.forceReason } : {}),
    samplesNeeded,
    requestedBy: request.requestedBy,
    ...(request.requestId ? { requestId: request.requestId } : {}),
  };
}

/** One connection in `CLIENT LIST` (no secret: address, name, age, what it ran last). */
export interface ClientConnection {
  id: string;
  addr: string;
  name: string;
  ageSeconds: number;
  lastCommand: string;
}

/**
 * The connections logged in as `default` in a `CLIENT LIST` reply (one line per connection,
 * `key=value` fields), leaving out the probe's own connection (`ownId`, from `CLIENT ID`).
 */
export function defaultUserConnections(clientList: string, ownId: string): ClientConnection[] {
  return clientList
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.length > 0)
    .map((line) => Object.fromEntries(line.split(' ').map((field) => splitField(field))))
    .filter((fields) => fields.user === DEFAULT_USER_NAME && fields.id !== ownId)
    .map((fields) => ({
      id: fields.id ?? '',
      addr: fields.addr ?? '',
      name: fields.name ?? '',
      ageSeconds: Number(fields.age ?? 0),
      lastCommand: fields.cmd ?? '',
    }));
}

function splitField(field: string): [string, string] {
  const at = field.indexOf('=');
  return at < 0 ? [field, ''] : [field.slice(0, at), field.slice(at + 1)];
}

/** Where the sampling stands after one more look: locked only after `samplesNeeded` empty looks. */
export function nextSample(
  connections: number,
  samplesTaken: number,
  samplesNeeded: number,
): { samplesTaken: number; outcome: 'in-use' | 'wait' | 'drained' } {
  const taken = samplesTaken + 1;
  if (connections > 0) return { samplesTaken: taken, outcome: 'in-use' };
  return { samplesTaken: taken, outcome: taken >= samplesNeeded ? 'drained' : 'wait' };
}

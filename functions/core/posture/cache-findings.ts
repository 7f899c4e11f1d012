import { parseAccessString, permissionsOf, type Permissions } from '../access-string/index.js';
import { MEMORYDB_OPEN_ACCESS_ACL } from '../rbac/cache-service.js';
import { daysBetween, sortFindings, wholeDays, type Finding, type PosturePolicy } from './findings.js';
import type { CachePosture, CachePostureSnapshot, UserPosture, UserSecretPosture } from './snapshot.js';

/** The cache/RBAC half's findings: caches, default and admin-like users, user secrets. */
export function auditCachePosture(
  snapshot: CachePostureSnapshot,
  policy: PosturePolicy,
  now: Date,
): Finding[] {
  return sortFindings([
    ...snapshot.caches.flatMap((cache) => cacheFindings(cache, now)),
    ...defaultUserFindings(snapshot),
    ...snapshot.users.flatMap((user) => adminLikeFindings(user)),
    ...secretFindings(snapshot, policy, now),
  ]);
}

function cacheResource(cache: CachePosture): string {
  return `${cache.kind}/${cache.id}`;
}

/** How `cachegate migrate-to-rbac` names an ElastiCache cache (a serverless cache takes one user group). */
const migrateTarget = (cache: CachePosture): string =>
  cache.kind === 'serverless-cache' ? `--serverless-cache ${cache.id}` : `--replication-group ${cache.id}`;

function cacheFindings(cache: CachePosture, now: Date): Finding[] {
  const resource = cacheResource(cache);
  const findings: Finding[] = [];
  if (!cache.transitEncryption) {
    findings.push({
      kind: 'cache-without-tls',
      severity: 'high',
      resource,
      evidence:
        'in-transit encryption is off: passwords and data cross the network in clear, and RBAC cannot be attached',
      fix:
        cache.kind === 'memorydb-cluster'
          ? `create a TLS cluster and move the data: MemoryDB cannot turn TLS on in place (aws memorydb create-cluster --tls-enabled ...)`
          : `aws elasticache modify-replication-group --replication-group-id ${cache.id} --transit-encryption-enabled --transit-encryption-mode preferred --apply-immediately (then required), then cachegate migrate-to-rbac --replication-group ${cache.id}`,
    });
  }
  if (cache.kind === 'memorydb-cluster') {
    if (cache.aclName === 'open-access') {
      findings.push({
        kind: 'memorydb-open-access',
        severity: 'critical',
        resource,
        evidence: 'ACL open-access: anyone who reaches the cluster connects as the default user, no password',
        fix: `cachegate migrate-to-rbac --cluster ${cache.id} --user <user>`,
      });
    }
    return findings;
  }
  if (cache.userGroupIds.length > 0) return findings;
  if (cache.authTokenEnabled) {
    const age = cache.authTokenLastModified
      ? `, token last set ${wholeDays(daysBetween(new Date(cache.authTokenLastModified), now))} ago`
      : ', token age unknown';
    findings.push({
      kind: 'cache-on-auth-token',
      severity: 'medium',
      resource,
      evidence: `still on AUTH: one shared token for every client${age}`,
      fix: `cachegate migrate-to-rbac --replication-group ${cache.id} --user <user>`,
    });
  } else {
    findings.push({
      kind: 'cache-without-access-control',
      severity: 'critical',
      resource,
      evidence:
        cache.kind === 'serverless-cache'
          ? 'no user group (RBAC is the only access control a serverless cache has): anyone who reaches the cache has every command on every key'
          : 'no user group and no AUTH token: anyone who reaches the cache has every command on every key',
      fix: cache.transitEncryption
        ? `cachegate migrate-to-rbac ${migrateTarget(cache)} --user <user>`
        : `turn on in-transit encryption first (see cache-without-tls), then cachegate migrate-to-rbac ${migrateTarget(cache)}`,
    });
  }
  return findings;
}

function permissionsOfUser(user: UserPosture): Permissions | undefined {
  try {
    return permissionsOf(parseAccessString(user.accessString, { elasticache: false }));
  } catch {
    return undefined;
  }
}

/** Every command of the category (`all` = every command) by the catalog the string was read with. */
const holdsCategory = (permissions: Permissions, category: string): boolean =>
  permissions.catalog.leavesOfCategory(category).every((command) => permissions.allowedCommands.has(command));

function defaultUserFindings(snapshot: CachePostureSnapshot): Finding[] {
  const users = new Map(snapshot.users.map((u) => [`${u.service}/${u.userId}`, u]));
  const findings: Finding[] = [];
  for (const group of snapshot.userGroups) {
    // MemoryDB's built-in open-access ACL always holds the open default user; what matters is a
    // cluster using it (memorydb-open-access).
    if (group.service === 'memorydb' && group.id === MEMORYDB_OPEN_ACCESS_ACL) continue;
    for (const userId of group.userIds) {
      const user = users.get(`${group.service}/${userId}`);
      if (!user || user.userName !== 'default') continue;
      const permissions = permissionsOfUser(user);
      if (!permissions?.enabled) continue;
      const noPassword = user.authenticationType === 'no-password';
      const everything = permissions.allKeys && holdsCategory(permissions, 'all');
      if (!noPassword && !everything) continue;
      const why = [noPassword ? 'on with no password' : '', everything ? 'all commands on all keys' : '']
        .filter(Boolean)
        .join(', ');
      findings.push({
        kind: 'default-user-usable',
        severity: noPassword ? 'critical' : 'high',
        resource: `${group.service === 'memorydb' ? 'acl' : 'user-group'}/${group.id}`,
        evidence: `its default user ${user.userId} is usable (${why}): clients that send no user name get it`,
        fix:
          group.service === 'memorydb'
            ? `cachegate migrate-to-rbac --cluster <cluster> --acl ${group.id} --user <user>`
            : `start cachegate-harden-default-user with {"userGroupId": "${group.id}", "defaultUserId": "${group.id}-default"}`,
      });
    }
  }
  return findings;
}

function adminLikeFindings(user: UserPosture): Finding[] {
  // The default user is judged by defaultUserFindings: it is reported once, for its group.
  if (user.userName === 'default') return [];
  const permissions = permissionsOfUser(user);
  if (!permissions?.enabled) return [];
  const grants: string[] = [];
  if (permissions.allKeys && holdsCategory(permissions, 'all')) grants.push('all commands on all keys');
  if (holdsCategory(permissions, 'admin')) grants.push('@admin');
  if (holdsCategory(permissions, 'dangerous')) grants.push('@dangerous');
  if (grants.length === 0) return [];
  return [
    {
      kind: 'admin-like-user',
      severity: 'high',
      resource: `user/${user.service}/${user.userId}`,
      evidence: `access string "${user.accessString}" grants ${grants.join(', ')}`,
      fix: `cachegate user delete --user-id ${user.userId}${serviceFlag(user.service)}, then cachegate user create with a narrower --access-string (cachegate access-string check "<rules>")`,
    },
  ];
}

const serviceFlag = (service: string): string => (service === 'memorydb' ? ' --service memorydb' : '');

function secretFindings(snapshot: CachePostureSnapshot, policy: PosturePolicy, now: Date): Finding[] {
  const findings: Finding[] = [];
  const secrets = new Map(snapshot.secrets.map((s) => [`${s.service}/${s.userId}`, s]));
  const userKeys = new Set(snapshot.users.map((u) => `${u.service}/${u.userId}`));
  for (const user of snapshot.users) {
    // Users without a password cannot be managed by cachegate; `default` users are judged by group.
    if (user.userName === 'default' || user.authenticationType !== 'password') continue;
    const secret = secrets.get(`${user.service}/${user.userId}`);
    const resource = `user/${user.service}/${user.userId}`;
    if (!secret) {
      findings.push({
        kind: 'unmanaged-user',
        severity: 'medium',
        resource,
        evidence: 'no cachegate secret: its password is kept somewhere cachegate cannot rotate or audit',
        fix: `cachegate user delete --user-id ${user.userId}${serviceFlag(user.service)}, then cachegate user create --user-id ${user.userId} ... (the password then lives in Secrets Manager)`,
      });
      continue;
    }
    findings.push(...passwordAgeFindings(user, secret, resource, policy, now));
  }
  for (const secret of snapshot.secrets) {
    if (userKeys.has(`${secret.service}/${secret.userId}`)) continue;
    findings.push({
      kind: 'orphan-secret',
      severity: 'low',
      resource: `secret/${secret.service}/${secret.userId}`,
      evidence: `its user ${secret.userId} (${secret.service}) no longer exists: a live password nobody uses`,
      fix: `aws secretsmanager delete-secret --secret-id ${secret.arn} --recovery-window-in-days 7`,
    });
  }
  return findings;
}

function passwordAgeFindings(
  user: UserPosture,
  secret: UserSecretPosture,
  resource: string,
  policy: PosturePolicy,
  now: Date,
): Finding[] {
  const findings: Finding[] = [];
  const rotate = `cachegate rotate --user ${user.userId}${serviceFlag(user.service)}`;
  if (secret.pendingCreated) {
    const hours = (now.getTime() - new Date(secret.pendingCreated).getTime()) / 3_600_000;
    if (hours >= policy.stuckRotationHours) {
      findings.push({
        kind: 'rotation-stuck',
        severity: 'high',
        resource,
        evidence: `AWSPENDING has been waiting ${Math.floor(hours)} hours (limit ${policy.stuckRotationHours}): a rotation died part-way`,
        fix: `${rotate} (reuses the pending version and finishes the rotation)`,
      });
    }
  }
  if (secret.currentCreated) {
    const age = daysBetween(new Date(secret.currentCreated), now);
    if (age >= policy.rotationPeriodDays) {
      findings.push({
        kind: 'stale-password',
        severity: 'medium',
        resource,
        evidence: `AWSCURRENT is ${wholeDays(age)} old (rotation period ${policy.rotationPeriodDays} days)`,
        fix: rotate,
      });
    }
    if (user.passwordCount >= 2 && age >= policy.previousPasswordDays) {
      findings.push({
        kind: 'previous-password-lingers',
        severity: 'low',
        resource,
        evidence: `holds 2 passwords ${wholeDays(age)} after its last rotation: the previous password still works`,
        fix: `${rotate} once every client reads AWSCURRENT (a rotation drops the older password)`,
      });
    }
  }
  return findings;
}

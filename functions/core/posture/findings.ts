import { parseAccessString, permissionsOf, type Permissions } from '../access-string/index.js';
import { MEMORYDB_OPEN_ACCESS_ACL } from '../rbac/cache-service.js';
import { parseIpv4Cidr, cidrContains } from '../vpn/client-cidr.js';
import type {
  CachePosture,
  CachePostureSnapshot,
  PostureSnapshot,
  UserPosture,
  UserSecretPosture,
  VpnEndpointPosture,
  VpnPostureSnapshot,
} from './snapshot.js';

/** Most severe first; `--fail-on` compares by this order. */
export const SEVERITIES = ['critical', 'high', 'medium', 'low', 'info'] as const;
export type Severity = (typeof SEVERITIES)[number];

export const FINDING_KINDS = [
  'cache-without-tls',
  'cache-without-access-control',
  'cache-on-auth-token',
  'memorydb-open-access',
  'default-user-usable',
  'admin-like-user',
  'unmanaged-user',
  'orphan-secret',
  'stale-password',
  'previous-password-lingers',
  'rotation-stuck',
  'crl-expiring',
  'crl-missing',
  'crl-not-from-ca',
  'crl-number-behind',
  'crl-differs-from-latest',
  'server-certificate-expiring',
  'authorization-rule-too-wide',
  'connection-logging-off',
  'client-certificate-expiring',
] as const;
export type FindingKind = (typeof FINDING_KINDS)[number];

export interface Finding {
  kind: FindingKind;
  severity: Severity;
  /** What is affected: `replication-group/orders-cache`, `user/elasticache/alice`, `endpoint/cvpn-...`. */
  resource: string;
  /** What was observed, in one sentence, with the numbers. */
  evidence: string;
  /** The command that fixes it (a cachegate command where one exists). */
  fix: string;
  /** For expiries: when it happens, so a report can chart what is coming. */
  expiresAt?: string;
}

/** Thresholds the rules apply; every one has a default an operator can override. */
export interface PosturePolicy {
  /** A user's AWSCURRENT older than this is overdue for rotation (the rotate-all schedule's default period). */
  rotationPeriodDays: number;
  /** A user still holding its previous password this long after its last rotation. */
  previousPasswordDays: number;
  /** AWSPENDING older than this is a rotation that died (the rotation workflows time out within an hour). */
  stuckRotationHours: number;
  /** CRL `nextUpdate` within this many days. */
  crlWarningDays: number;
  /** Server certificate notAfter within this many days. */
  serverCertificateWarningDays: number;
  /** Client certificate notAfter within this many days. */
  clientCertificateWarningDays: number;
}

export const DEFAULT_POSTURE_POLICY: PosturePolicy = {
  rotationPeriodDays: 30,
  previousPasswordDays: 7,
  stuckRotationHours: 2,
  crlWarningDays: 7,
  serverCertificateWarningDays: 30,
  clientCertificateWarningDays: 30,
};

const DAY_MS = 86_400_000;

const daysBetween = (from: Date, to: Date): number =>
  Math.floor(((to.getTime() - from.getTime()) / DAY_MS) * 10) / 10;

/** Whole days, for evidence text ("in 3 days", "12 days ago"). */
const wholeDays = (days: number): string => {
  const n = Math.abs(Math.trunc(days));
  return `${n} day${n === 1 ? '' : 's'}`;
};

export function severityRank(severity: Severity): number {
  return SEVERITIES.indexOf(severity);
}

/** True when `severity` is at least as severe as `threshold`. */
export function atLeast(severity: Severity, threshold: Severity): boolean {
  return severityRank(severity) <= severityRank(threshold);
}

/**
 * Every finding for one snapshot, most severe first (then by resource): pure, so the same
 * snapshot and clock always give the same report. The two halves' rules read disjoint parts of
 * the snapshot, so this is exactly the findings of both halves, merged.
 */
export function auditPosture(snapshot: PostureSnapshot, policy: PosturePolicy, now: Date): Finding[] {
  return sortFindings([
    ...auditCachePosture(snapshot, policy, now),
    ...auditVpnPosture(snapshot, policy, now),
  ]);
}

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

/** The Client VPN half's findings: endpoints (CRL, server certificate, rules), client certificates. */
export function auditVpnPosture(snapshot: VpnPostureSnapshot, policy: PosturePolicy, now: Date): Finding[] {
  return sortFindings([
    ...snapshot.vpnEndpoints.flatMap((endpoint) => endpointFindings(endpoint, snapshot, policy, now)),
    ...clientCertificateFindings(snapshot, policy, now),
  ]);
}

function sortFindings(findings: Finding[]): Finding[] {
  return findings.sort(
    (a, b) =>
      severityRank(a.severity) - severityRank(b.severity) ||
      a.resource.localeCompare(b.resource) ||
      a.kind.localeCompare(b.kind),
  );
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

function endpointFindings(
  endpoint: VpnEndpointPosture,
  snapshot: VpnPostureSnapshot,
  policy: PosturePolicy,
  now: Date,
): Finding[] {
  const resource = `client-vpn-endpoint/${endpoint.id}`;
  const findings: Finding[] = [...crlFindings(endpoint, snapshot, policy, now)];
  if (endpoint.serverCertificateNotAfter) {
    const days = daysBetween(now, new Date(endpoint.serverCertificateNotAfter));
    if (days < policy.serverCertificateWarningDays) {
      findings.push({
        kind: 'server-certificate-expiring',
        severity: days <= 0 ? 'critical' : 'high',
        resource,
        evidence:
          days <= 0
            ? `server certificate ${endpoint.serverCertificateArn} expired ${wholeDays(days)} ago: no client can connect`
            : `server certificate ${endpoint.serverCertificateArn} expires in ${wholeDays(days)}`,
        fix: `aws stepfunctions start-execution --state-machine-arn <cachegate-renew-server-certificate ARN> --input '{"requestedBy":"<you>"}' (re-imports a new certificate into ${endpoint.serverCertificateArn})`,
        expiresAt: endpoint.serverCertificateNotAfter,
      });
    }
  }
  if (snapshot.cacheSubnetCidrs.length > 0) {
    const subnets = snapshot.cacheSubnetCidrs.map((c) => parseIpv4Cidr(c));
    for (const cidr of endpoint.authorizationCidrs) {
      let rule;
      try {
        rule = parseIpv4Cidr(cidr);
      } catch {
        continue;
      }
      if (subnets.some((subnet) => cidrContains(subnet, rule))) continue;
      findings.push({
        kind: 'authorization-rule-too-wide',
        severity: 'high',
        resource,
        evidence: `authorization rule ${cidr} reaches beyond the cache subnets (${snapshot.cacheSubnetCidrs.join(', ')})`,
        fix: `aws ec2 revoke-client-vpn-ingress --client-vpn-endpoint-id ${endpoint.id} --target-network-cidr ${cidr} --revoke-all-groups, then authorize each cache subnet`,
      });
    }
  }
  if (!endpoint.connectionLogging) {
    findings.push({
      kind: 'connection-logging-off',
      severity: 'low',
      resource,
      evidence: 'connection logging is off: nobody can tell afterwards who connected when',
      fix: `aws ec2 modify-client-vpn-endpoint --client-vpn-endpoint-id ${endpoint.id} --connection-log-options Enabled=true,CloudwatchLogGroup=<group>`,
    });
  }
  return findings;
}

const REFRESH = 'cachegate crl refresh --state-machine-arn <cachegate-refresh-crl ARN> --wait';

function crlFindings(
  endpoint: VpnEndpointPosture,
  snapshot: VpnPostureSnapshot,
  policy: PosturePolicy,
  now: Date,
): Finding[] {
  const resource = `client-vpn-endpoint/${endpoint.id}`;
  const latest = snapshot.ca?.latestCrl;
  const crl = endpoint.crl;
  if (!crl) {
    return [
      {
        kind: 'crl-missing',
        severity: 'high',
        resource,
        evidence: 'no CRL imported: a revoked client certificate still connects',
        fix: REFRESH,
      },
    ];
  }
  if (crl.fromCa === false) {
    return [
      {
        kind: 'crl-not-from-ca',
        severity: 'critical',
        resource,
        evidence: "the endpoint's CRL is not issued and signed by the stack's CA",
        fix: REFRESH,
      },
    ];
  }
  const findings: Finding[] = [];
  if (crl.nextUpdate) {
    const days = daysBetween(now, new Date(crl.nextUpdate));
    if (days < policy.crlWarningDays) {
      findings.push({
        kind: 'crl-expiring',
        severity: days <= 0 ? 'critical' : 'high',
        resource,
        evidence:
          days <= 0
            ? `CRL #${crl.crlNumber ?? '?'} passed its nextUpdate ${wholeDays(days)} ago: every client is locked out`
            : `CRL #${crl.crlNumber ?? '?'} reaches its nextUpdate in ${wholeDays(days)} (margin ${policy.crlWarningDays} days)`,
        fix: REFRESH,
        expiresAt: crl.nextUpdate,
      });
    }
  }
  if (latest && crl.crlNumber !== undefined && BigInt(crl.crlNumber) < BigInt(latest.crlNumber)) {
    findings.push({
      kind: 'crl-number-behind',
      severity: 'medium',
      resource,
      evidence: `holds CRL #${crl.crlNumber}, the CA has published #${latest.crlNumber}: later revocations are not in force`,
      fix: REFRESH,
    });
  } else if (latest && crl.sha256 !== latest.sha256) {
    findings.push({
      kind: 'crl-differs-from-latest',
      severity: 'medium',
      resource,
      evidence: `holds a CRL (#${crl.crlNumber ?? '?'}, sha256 ${crl.sha256.slice(0, 12)}…) that is not the CA's latest (#${latest.crlNumber}, sha256 ${latest.sha256.slice(0, 12)}…)`,
      fix: REFRESH,
    });
  }
  return findings;
}

function clientCertificateFindings(
  snapshot: VpnPostureSnapshot,
  policy: PosturePolicy,
  now: Date,
): Finding[] {
  return snapshot.clientCertificates.flatMap((certificate): Finding[] => {
    const days = daysBetween(now, new Date(certificate.notAfter));
    if (days <= 0 || days >= policy.clientCertificateWarningDays) return [];
    return [
      {
        kind: 'client-certificate-expiring',
        severity: 'medium',
        resource: `client-certificate/${certificate.commonName}`,
        evidence: `certificate ${certificate.serial} expires in ${wholeDays(days)} (on ${certificate.notAfter.slice(0, 10)})`,
        fix: `issue its successor before it expires: a new VPN certificate access request for ${certificate.commonName} (or, on an easy-rsa store, cachegate cert renew --cn ${certificate.commonName}: the old one is revoked after a grace period)`,
        expiresAt: certificate.notAfter,
      },
    ];
  });
}

/**
 * What the posture rules share: severities, finding kinds, the policy and its defaults. The rules
 * themselves are in two modules, one per half of the snapshot (cache-findings.ts, vpn-findings.ts),
 * so that a function judging one half loads nothing of the other's (the cache rules bring the
 * access-string parser); audit.ts judges both.
 */

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

export const daysBetween = (from: Date, to: Date): number =>
  Math.floor(((to.getTime() - from.getTime()) / DAY_MS) * 10) / 10;

/** Whole days, for evidence text ("in 3 days", "12 days ago"). */
export const wholeDays = (days: number): string => {
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
 * The parts the scheduled audit gathers and judges in Lambdas of their own: the cache half
 * (auditCachePosture), and the VPN half's endpoints (auditEndpointPosture) and CA stores
 * (auditCaStorePosture).
 */
export type PosturePart = 'cache' | 'vpn' | 'ca';

/** Most severe first, then by resource and kind: the same findings always in the same order. */
export function sortFindings(findings: Finding[]): Finding[] {
  return findings.sort(
    (a, b) =>
      severityRank(a.severity) - severityRank(b.severity) ||
      a.resource.localeCompare(b.resource) ||
      a.kind.localeCompare(b.kind),
  );
}

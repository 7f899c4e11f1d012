import { parseIpv4Cidr, cidrContains } from '../vpn/client-cidr.js';
import { daysBetween, sortFindings, wholeDays, type Finding, type PosturePolicy } from './findings.js';
import type {
  CaStorePostureSnapshot,
  EndpointCrlSummary,
  EndpointPostureSnapshot,
  VpnEndpointPosture,
  VpnPostureSnapshot,
} from './snapshot.js';

/**
 * The Client VPN half's findings: its endpoints' own (auditEndpointPosture) and those against the
 * CA's stores (auditCaStorePosture). The scheduled audit judges the two parts in two Lambdas.
 */
export function auditVpnPosture(snapshot: VpnPostureSnapshot, policy: PosturePolicy, now: Date): Finding[] {
  return sortFindings([
    ...auditEndpointPosture(snapshot, policy, now),
    ...auditCaStorePosture(
      {
        region: snapshot.region,
        ...(snapshot.ca?.latestCrl ? { latestCrl: snapshot.ca.latestCrl } : {}),
        endpointCrls: endpointCrls(snapshot.vpnEndpoints),
        clientCertificates: snapshot.clientCertificates,
      },
      policy,
      now,
    ),
  ]);
}

/** The endpoints' findings: CRL presence, origin and expiry, server certificate, authorization rules, logging. */
export function auditEndpointPosture(
  snapshot: EndpointPostureSnapshot,
  policy: PosturePolicy,
  now: Date,
): Finding[] {
  return sortFindings(
    snapshot.vpnEndpoints.flatMap((endpoint) => endpointFindings(endpoint, snapshot, policy, now)),
  );
}

/** Against the CA's stores: an endpoint CRL behind or other than the CA's latest, client certificates expiring. */
export function auditCaStorePosture(
  snapshot: CaStorePostureSnapshot,
  policy: PosturePolicy,
  now: Date,
): Finding[] {
  return sortFindings([
    ...snapshot.endpointCrls.flatMap((crl) => latestCrlFindings(crl, snapshot.latestCrl)),
    ...clientCertificateFindings(snapshot, policy, now),
  ]);
}

/**
 * The endpoint CRLs the CA part compares with the CA's latest: present and not known to be
 * another CA's (one that is gets crl-not-from-ca, and nothing more).
 */
export function endpointCrls(endpoints: VpnEndpointPosture[]): EndpointCrlSummary[] {
  return endpoints.flatMap(({ id, crl }) =>
    crl && crl.fromCa !== false
      ? [
          {
            endpointId: id,
            sha256: crl.sha256,
            ...(crl.crlNumber !== undefined ? { crlNumber: crl.crlNumber } : {}),
          },
        ]
      : [],
  );
}

function endpointFindings(
  endpoint: VpnEndpointPosture,
  snapshot: EndpointPostureSnapshot,
  policy: PosturePolicy,
  now: Date,
): Finding[] {
  const resource = `client-vpn-endpoint/${endpoint.id}`;
  const findings: Finding[] = [...crlFindings(endpoint, policy, now)];
  if (endpoint.serverCertificateNotAfter) {
    findings.push(
      ...expiryFinding(endpoint.serverCertificateNotAfter, policy.serverCertificateWarningDays, now, {
        kind: 'server-certificate-expiring',
        resource,
        passed: (ago) =>
          `server certificate ${endpoint.serverCertificateArn} expired ${ago} ago: no client can connect`,
        coming: (within) => `server certificate ${endpoint.serverCertificateArn} expires in ${within}`,
        fix: `aws stepfunctions start-execution --state-machine-arn <cachegate-renew-server-certificate ARN> --input '{"requestedBy":"<you>"}' (re-imports a new certificate into ${endpoint.serverCertificateArn})`,
      }),
    );
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

function crlFindings(endpoint: VpnEndpointPosture, policy: PosturePolicy, now: Date): Finding[] {
  const resource = `client-vpn-endpoint/${endpoint.id}`;
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
  if (!crl.nextUpdate) return [];
  return expiryFinding(crl.nextUpdate, policy.crlWarningDays, now, {
    kind: 'crl-expiring',
    resource,
    passed: (ago) =>
      `CRL #${crl.crlNumber ?? '?'} passed its nextUpdate ${ago} ago: every client is locked out`,
    coming: (within) =>
      `CRL #${crl.crlNumber ?? '?'} reaches its nextUpdate in ${within} (margin ${policy.crlWarningDays} days)`,
    fix: REFRESH,
  });
}

/**
 * A date everyone's access hangs on (the server certificate's notAfter, the CRL's nextUpdate):
 * critical once passed (no client connects), high within the warning margin, nothing before.
 */
function expiryFinding(
  expiresAt: string,
  warningDays: number,
  now: Date,
  what: {
    kind: Finding['kind'];
    resource: string;
    passed: (ago: string) => string;
    coming: (within: string) => string;
    fix: string;
  },
): Finding[] {
  const days = daysBetween(now, new Date(expiresAt));
  if (days >= warningDays) return [];
  return [
    {
      kind: what.kind,
      severity: days <= 0 ? 'critical' : 'high',
      resource: what.resource,
      evidence: days <= 0 ? what.passed(wholeDays(days)) : what.coming(wholeDays(days)),
      fix: what.fix,
      expiresAt,
    },
  ];
}

function latestCrlFindings(crl: EndpointCrlSummary, latest: CaStorePostureSnapshot['latestCrl']): Finding[] {
  if (!latest) return [];
  const resource = `client-vpn-endpoint/${crl.endpointId}`;
  if (crl.crlNumber !== undefined && BigInt(crl.crlNumber) < BigInt(latest.crlNumber)) {
    return [
      {
        kind: 'crl-number-behind',
        severity: 'medium',
        resource,
        evidence: `holds CRL #${crl.crlNumber}, the CA has published #${latest.crlNumber}: later revocations are not in force`,
        fix: REFRESH,
      },
    ];
  }
  if (crl.sha256 !== latest.sha256) {
    return [
      {
        kind: 'crl-differs-from-latest',
        severity: 'medium',
        resource,
        evidence: `holds a CRL (#${crl.crlNumber ?? '?'}, sha256 ${crl.sha256.slice(0, 12)}…) that is not the CA's latest (#${latest.crlNumber}, sha256 ${latest.sha256.slice(0, 12)}…)`,
        fix: REFRESH,
      },
    ];
  }
  return [];
}

function clientCertificateFindings(
  snapshot: CaStorePostureSnapshot,
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

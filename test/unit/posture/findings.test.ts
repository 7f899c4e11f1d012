import { describe, expect, it } from '@jest/globals';
import { auditCachePosture } from '../../../functions/core/posture/cache-findings.js';
import { auditPosture } from '../../../functions/core/posture/audit.js';
import {
  auditCaStorePosture,
  auditEndpointPosture,
  auditVpnPosture,
  endpointCrls,
} from '../../../functions/core/posture/vpn-findings.js';
import {
  DEFAULT_POSTURE_POLICY,
  FINDING_KINDS,
  type Finding,
} from '../../../functions/core/posture/findings.js';
import {
  addSeverityCounts,
  buildReport,
  countBySeverity,
  failsOn,
  renderTable,
} from '../../../functions/core/posture/report.js';
import type { PostureSnapshot } from '../../../functions/core/posture/snapshot.js';
import { postureReportValidator } from './posture-schema.js';

const NOW = new Date('2027-03-01T12:00:00Z');
const daysAgo = (days: number) => new Date(NOW.getTime() - days * 86_400_000).toISOString();
const inDays = (days: number) => new Date(NOW.getTime() + days * 86_400_000).toISOString();

function clean(): PostureSnapshot {
  return {
    region: 'eu-west-1',
    caches: [
      {
        kind: 'replication-group',
        id: 'orders',
        transitEncryption: true,
        authTokenEnabled: false,
        userGroupIds: ['orders-users'],
      },
    ],
    users: [
      {
        service: 'elasticache',
        userId: 'orders-default',
        userName: 'default',
        status: 'active',
        accessString: 'off -@all',
        authenticationType: 'password',
        passwordCount: 1,
      },
      {
        service: 'elasticache',
        userId: 'reader',
        userName: 'reader',
        status: 'active',
        accessString: 'on ~orders:* -@all +@read',
        authenticationType: 'password',
        passwordCount: 1,
      },
    ],
    userGroups: [{ service: 'elasticache', id: 'orders-users', userIds: ['orders-default', 'reader'] }],
    secrets: [
      { service: 'elasticache', userId: 'reader', arn: 'arn:secret:reader', currentCreated: daysAgo(3) },
    ],
    vpnEndpoints: [
      {
        id: 'cvpn-endpoint-1',
        serverCertificateArn: 'arn:acm:server',
        serverCertificateNotAfter: inDays(300),
        connectionLogging: true,
        authorizationCidrs: ['10.0.1.0/24'],
        crl: { sha256: 'aa', fromCa: true, crlNumber: '4', nextUpdate: inDays(90) },
      },
    ],
    cacheSubnetCidrs: ['10.0.1.0/24', '10.0.2.0/24'],
    ca: { commonName: 'CA', latestCrl: { crlNumber: '4', sha256: 'aa', nextUpdate: inDays(90) } },
    clientCertificates: [{ commonName: 'alice', serial: '01', notAfter: inDays(200) }],
  };
}

const audit = (snapshot: PostureSnapshot, policy = DEFAULT_POSTURE_POLICY) =>
  auditPosture(snapshot, policy, NOW);
const kinds = (findings: Finding[]) => findings.map((f) => f.kind);

describe('posture rules', () => {
  it('find nothing on a clean snapshot', () => {
    expect(audit(clean())).toEqual([]);
  });

  it('report a default user that is on with no password, and one with every command on every key', () => {
    const snapshot = clean();
    snapshot.users[0] = {
      ...snapshot.users[0]!,
      accessString: 'on ~* &* +@all',
      authenticationType: 'no-password',
    };
    expect(audit(snapshot)).toMatchObject([
      { kind: 'default-user-usable', severity: 'critical', resource: 'user-group/orders-users' },
    ]);
    snapshot.users[0] = { ...snapshot.users[0]!, authenticationType: 'password' };
    expect(audit(snapshot)).toMatchObject([{ kind: 'default-user-usable', severity: 'high' }]);
    snapshot.users[0] = { ...snapshot.users[0]!, accessString: 'on ~* +@all -flushall' };
    expect(audit(snapshot)).toEqual([]);
  });

  it('reports admin-like grants through the access-string parser, not by text', () => {
    const snapshot = clean();
    const reader = snapshot.users[1]!;
    for (const [accessString, grants] of [
      ['on ~* +@all', 'all commands on all keys'],
      ['on ~app:* -@all +@admin', '@admin'],
      ['on ~app:* allcommands -@keyspace', '@admin'],
      ['on ~app:* -@all +@dangerous', '@dangerous'],
    ] as const) {
      snapshot.users[1] = { ...reader, accessString };
      const findings = audit(snapshot);
      expect(kinds(findings)).toEqual(['admin-like-user']);
      expect(findings[0]?.evidence).toContain(grants);
    }
    for (const accessString of ['on ~* +@all -@dangerous', 'on ~app:* +@all -config', 'off ~* +@all']) {
      snapshot.users[1] = { ...reader, accessString };
      expect(audit(snapshot)).toEqual([]);
    }
  });

  it('tells a cache on AUTH (with the token age) from one with no access control at all', () => {
    const snapshot = clean();
    snapshot.caches = [
      {
        kind: 'replication-group',
        id: 'legacy',
        transitEncryption: true,
        authTokenEnabled: true,
        authTokenLastModified: daysAgo(400),
        userGroupIds: [],
      },
      {
        kind: 'replication-group',
        id: 'open',
        transitEncryption: true,
        authTokenEnabled: false,
        userGroupIds: [],
      },
      {
        kind: 'serverless-cache',
        id: 'svl',
        transitEncryption: true,
        authTokenEnabled: false,
        userGroupIds: [],
      },
      {
        kind: 'memorydb-cluster',
        id: 'mdb',
        transitEncryption: true,
        authTokenEnabled: false,
        userGroupIds: [],
        aclName: 'open-access',
      },
    ];
    const findings = audit(snapshot);
    expect(findings.map((f) => [f.kind, f.resource, f.severity])).toEqual([
      ['memorydb-open-access', 'memorydb-cluster/mdb', 'critical'],
      ['cache-without-access-control', 'replication-group/open', 'critical'],
      ['cache-without-access-control', 'serverless-cache/svl', 'critical'],
      ['cache-on-auth-token', 'replication-group/legacy', 'medium'],
    ]);
    expect(findings[3]?.evidence).toContain('token last set 400 days ago');
    // Each fix names the cache the way migrate-to-rbac takes it.
    expect(findings[1]?.fix).toContain('--replication-group open ');
    expect(findings[2]?.fix).toContain('--serverless-cache svl ');
  });

  it('judges password age, the lingering previous password and stuck rotations against the policy', () => {
    const snapshot = clean();
    snapshot.users[1] = { ...snapshot.users[1]!, passwordCount: 2 };
    snapshot.secrets[0] = { ...snapshot.secrets[0]!, currentCreated: daysAgo(6.9) };
    expect(audit(snapshot)).toEqual([]);
    snapshot.secrets[0] = { ...snapshot.secrets[0]!, currentCreated: daysAgo(7) };
    expect(kinds(audit(snapshot))).toEqual(['previous-password-lingers']);
    snapshot.secrets[0] = {
      ...snapshot.secrets[0]!,
      currentCreated: daysAgo(30),
      pendingCreated: daysAgo(0.05),
    };
    expect(kinds(audit(snapshot)).sort()).toEqual(['previous-password-lingers', 'stale-password']);
    snapshot.secrets[0] = { ...snapshot.secrets[0]!, pendingCreated: daysAgo(0.1) };
    expect(kinds(audit(snapshot))).toContain('rotation-stuck');
    expect(kinds(audit(snapshot, { ...DEFAULT_POSTURE_POLICY, rotationPeriodDays: 31 }))).not.toContain(
      'stale-password',
    );
  });

  it('reports users without a cachegate secret and secrets without a user', () => {
    const snapshot = clean();
    snapshot.secrets = [
      { service: 'memorydb', userId: 'reader', arn: 'arn:secret:mdb-reader', currentCreated: daysAgo(1) },
    ];
    expect(audit(snapshot).map((f) => [f.kind, f.resource])).toEqual([
      ['unmanaged-user', 'user/elasticache/reader'],
      ['orphan-secret', 'secret/memorydb/reader'],
    ]);
  });

  it('reports each CRL problem of an endpoint, the expired one as critical', () => {
    const snapshot = clean();
    const endpoint = snapshot.vpnEndpoints[0]!;
    const crl = endpoint.crl!;
    const check = (change: Partial<typeof crl> | undefined) => {
      endpoint.crl = change === undefined ? undefined : { ...crl, ...change };
      return audit(snapshot).map((f) => [f.kind, f.severity]);
    };
    expect(check({ nextUpdate: inDays(6.9) })).toEqual([['crl-expiring', 'high']]);
    expect(check({ nextUpdate: daysAgo(1) })).toEqual([['crl-expiring', 'critical']]);
    expect(check({ crlNumber: '3', sha256: 'bb' })).toEqual([['crl-number-behind', 'medium']]);
    expect(check({ sha256: 'bb' })).toEqual([['crl-differs-from-latest', 'medium']]);
    expect(check({ fromCa: false })).toEqual([['crl-not-from-ca', 'critical']]);
    expect(check(undefined)).toEqual([['crl-missing', 'high']]);
  });

  it('an expiry is critical from the day it passes and high within the margin, and says which', () => {
    const snapshot = clean();
    const endpoint = snapshot.vpnEndpoints[0]!;
    const crl = endpoint.crl!;
    const margin = DEFAULT_POSTURE_POLICY.crlWarningDays;
    const crlExpiry = (change: Partial<typeof crl>) => {
      endpoint.crl = { ...crl, ...change };
      return audit(snapshot)
        .filter((f) => f.kind === 'crl-expiring')
        .map((f) => [f.severity, f.evidence, f.expiresAt]);
    };
    expect(crlExpiry({ nextUpdate: inDays(margin) })).toEqual([]);
    endpoint.crl = { ...crl, nextUpdate: undefined };
    expect(audit(snapshot)).toEqual([]);
    expect(crlExpiry({ nextUpdate: inDays(2.5), crlNumber: '12' })).toEqual([
      ['high', `CRL #12 reaches its nextUpdate in 2 days (margin ${margin} days)`, inDays(2.5)],
    ]);
    expect(crlExpiry({ nextUpdate: NOW.toISOString(), crlNumber: undefined })).toEqual([
      ['critical', 'CRL #? passed its nextUpdate 0 days ago: every client is locked out', NOW.toISOString()],
    ]);
    endpoint.crl = crl;
    const certificateExpiry = (notAfter: string) => {
      endpoint.serverCertificateNotAfter = notAfter;
      return audit(snapshot)
        .filter((f) => f.kind === 'server-certificate-expiring')
        .map((f) => [f.severity, f.evidence]);
    };
    expect(certificateExpiry(inDays(DEFAULT_POSTURE_POLICY.serverCertificateWarningDays))).toEqual([]);
    expect(certificateExpiry(inDays(1.5))).toEqual([
      ['high', 'server certificate arn:acm:server expires in 1 day'],
    ]);
    expect(certificateExpiry(daysAgo(2))).toEqual([
      ['critical', 'server certificate arn:acm:server expired 2 days ago: no client can connect'],
    ]);
  });

  it('reports the server certificate, authorization rules beyond the cache subnets and logging off', () => {
    const snapshot = clean();
    const endpoint = snapshot.vpnEndpoints[0]!;
    endpoint.authorizationCidrs = ['10.0.2.128/25', '10.0.0.0/16', '0.0.0.0/0'];
    endpoint.connectionLogging = false;
    endpoint.serverCertificateNotAfter = inDays(29);
    expect(
      audit(snapshot).map((f) => [f.kind, f.severity, f.evidence.split(' ').slice(0, 3).join(' ')]),
    ).toEqual([
      ['authorization-rule-too-wide', 'high', 'authorization rule 10.0.0.0/16'],
      ['authorization-rule-too-wide', 'high', 'authorization rule 0.0.0.0/0'],
      ['server-certificate-expiring', 'high', 'server certificate arn:acm:server'],
      ['connection-logging-off', 'low', 'connection logging is'],
    ]);
    endpoint.serverCertificateNotAfter = daysAgo(1);
    expect(audit(snapshot)[0]).toMatchObject({ kind: 'server-certificate-expiring', severity: 'critical' });
  });

  it('reports client certificates expiring within N days, and not those already expired', () => {
    const snapshot = clean();
    snapshot.clientCertificates = [
      { commonName: 'soon', serial: '02', notAfter: inDays(29.5) },
      { commonName: 'later', serial: '03', notAfter: inDays(30) },
      { commonName: 'gone', serial: '04', notAfter: daysAgo(2) },
    ];
    expect(audit(snapshot).map((f) => f.resource)).toEqual(['client-certificate/soon']);
    const wider = { ...DEFAULT_POSTURE_POLICY, clientCertificateWarningDays: 31 };
    expect(audit(snapshot, wider).map((f) => f.resource)).toEqual([
      'client-certificate/later',
      'client-certificate/soon',
    ]);
  });
});

describe('posture report', () => {
  it('validates against events/schemas/posture-report.v1.json, and the schema lists every finding kind', () => {
    const validate = postureReportValidator();
    const snapshot = clean();
    snapshot.vpnEndpoints[0]!.serverCertificateNotAfter = inDays(3);
    const report = buildReport(
      [{ region: 'eu-west-1', findings: audit(snapshot) }],
      DEFAULT_POSTURE_POLICY,
      NOW,
    );
    expect(validate(report)).toBe(true);
    expect(validate({ ...report, findings: [{ ...report.findings[0], kind: 'made-up' }] })).toBe(false);
    expect(validate({ ...report, findings: [{ ...report.findings[0], password: 'x' }] })).toBe(false);
    const schema = validate.schema as {
      properties: { findings: { items: { properties: { kind: { enum: string[] } } } } };
    };
    expect(schema.properties.findings.items.properties.kind.enum).toEqual([...FINDING_KINDS]);
  });

  it('fails on a severity at or above the threshold only', () => {
    const snapshot = clean();
    snapshot.vpnEndpoints[0]!.connectionLogging = false;
    const report = buildReport(
      [{ region: 'eu-west-1', findings: audit(snapshot) }],
      DEFAULT_POSTURE_POLICY,
      NOW,
    );
    expect(report.summary).toEqual({ critical: 0, high: 0, medium: 0, low: 1, info: 0, total: 1 });
    expect(failsOn(report, 'low')).toBe(true);
    expect(failsOn(report, 'info')).toBe(true);
    expect(failsOn(report, 'medium')).toBe(false);
    expect(renderTable(report)).toContain(
      '1 finding in eu-west-1 (0 critical, 0 high, 0 medium, 1 low, 0 info)',
    );
  });
});

describe('the two halves of the audit (the scheduled audit judges each in its own Lambda)', () => {
  /** Problems in both halves, of several severities. */
  function troubled(): PostureSnapshot {
    const snapshot = clean();
    snapshot.caches.push({
      kind: 'replication-group',
      id: 'legacy',
      transitEncryption: false,
      authTokenEnabled: false,
      userGroupIds: [],
    });
    snapshot.users[1] = { ...snapshot.users[1]!, accessString: 'on ~* +@all' };
    snapshot.secrets.push({ service: 'elasticache', userId: 'gone', arn: 'arn:secret:gone' });
    const endpoint = snapshot.vpnEndpoints[0]!;
    endpoint.connectionLogging = false;
    endpoint.authorizationCidrs.push('0.0.0.0/0');
    endpoint.crl = { ...endpoint.crl!, nextUpdate: inDays(-1) };
    snapshot.clientCertificates.push({ commonName: 'bob', serial: '02', notAfter: inDays(5) });
    return snapshot;
  }

  const cacheHalf = ({ region, caches, users, userGroups, secrets }: PostureSnapshot) => ({
    region,
    caches,
    users,
    userGroups,
    secrets,
  });
  const vpnHalf = ({ region, vpnEndpoints, cacheSubnetCidrs, ca, clientCertificates }: PostureSnapshot) => ({
    region,
    vpnEndpoints,
    cacheSubnetCidrs,
    clientCertificates,
    ...(ca ? { ca } : {}),
  });

  it('each half judges only its own part of the snapshot, and together they are auditPosture', () => {
    const snapshot = troubled();
    const cache = auditCachePosture(cacheHalf(snapshot), DEFAULT_POSTURE_POLICY, NOW);
    const vpn = auditVpnPosture(vpnHalf(snapshot), DEFAULT_POSTURE_POLICY, NOW);
    expect(kinds(cache).sort()).toEqual([
      'admin-like-user',
      'cache-without-access-control',
      'cache-without-tls',
      'orphan-secret',
    ]);
    expect(kinds(vpn).sort()).toEqual([
      'authorization-rule-too-wide',
      'client-certificate-expiring',
      'connection-logging-off',
      'crl-expiring',
    ]);
    const whole = audit(snapshot);
    expect(whole).toHaveLength(cache.length + vpn.length);
    expect(whole).toEqual(expect.arrayContaining([...cache, ...vpn]));
    // Most severe first in each half, as in the whole report.
    expect(cache[0]?.severity).toBe('critical');
    expect(vpn[0]?.severity).toBe('critical');
  });

  it("the halves' counts per severity add up to the whole audit's, every severity present", () => {
    const snapshot = troubled();
    const cache = countBySeverity(auditCachePosture(cacheHalf(snapshot), DEFAULT_POSTURE_POLICY, NOW));
    const vpn = countBySeverity(auditVpnPosture(vpnHalf(snapshot), DEFAULT_POSTURE_POLICY, NOW));
    expect(cache).toEqual({ critical: 1, high: 2, medium: 0, low: 1, info: 0 });
    expect(vpn).toEqual({ critical: 1, high: 1, medium: 1, low: 1, info: 0 });
    expect(addSeverityCounts([cache, vpn])).toEqual(countBySeverity(audit(snapshot)));
    expect(addSeverityCounts([cache, vpn])).toEqual({ critical: 2, high: 3, medium: 1, low: 2, info: 0 });
    expect(countBySeverity([])).toEqual({ critical: 0, high: 0, medium: 0, low: 0, info: 0 });
  });

  it("the VPN half is its endpoints' part and its CA stores' part, each judging only its own data", () => {
    const snapshot = troubled();
    // A second endpoint on an older CRL of the CA, and one whose CRL is another CA's.
    snapshot.vpnEndpoints.push(
      {
        ...snapshot.vpnEndpoints[0]!,
        id: 'cvpn-endpoint-2',
        crl: { sha256: 'bb', fromCa: true, crlNumber: '3' },
      },
      { ...snapshot.vpnEndpoints[0]!, id: 'cvpn-endpoint-3', crl: { sha256: 'cc', fromCa: false } },
    );
    const endpoints = auditEndpointPosture(
      {
        region: snapshot.region,
        vpnEndpoints: snapshot.vpnEndpoints,
        cacheSubnetCidrs: snapshot.cacheSubnetCidrs,
      },
      DEFAULT_POSTURE_POLICY,
      NOW,
    );
    const crls = endpointCrls(snapshot.vpnEndpoints);
    // The foreign CRL is judged once (crl-not-from-ca), never against the CA's latest.
    expect(crls.map((c) => c.endpointId)).toEqual(['cvpn-endpoint-1', 'cvpn-endpoint-2']);
    const stores = auditCaStorePosture(
      {
        region: snapshot.region,
        latestCrl: snapshot.ca!.latestCrl!,
        endpointCrls: crls,
        clientCertificates: snapshot.clientCertificates,
      },
      DEFAULT_POSTURE_POLICY,
      NOW,
    );
    expect(kinds(stores).sort()).toEqual(['client-certificate-expiring', 'crl-number-behind']);
    expect(kinds(endpoints)).not.toContain('crl-number-behind');
    expect(kinds(endpoints)).toContain('crl-not-from-ca');
    const whole = auditVpnPosture(vpnHalf(snapshot), DEFAULT_POSTURE_POLICY, NOW);
    expect(whole).toHaveLength(endpoints.length + stores.length);
    expect(whole).toEqual(expect.arrayContaining([...endpoints, ...stores]));
  });
});

import { randomBytes } from 'node:crypto';
import {
  CreateSecretCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { ImportClientVpnClientCertificateRevocationListCommand, EC2Client } from '@aws-sdk/client-ec2';
import { createAwsClient } from '../../functions/aws/clients.js';
import { importCertificate } from '../../functions/aws/acm.js';
import { setCrlAuthority } from '../../functions/aws/crl-authority.js';
import { storeCrl } from '../../functions/aws/crl-store.js';
import { issueCertificate } from '../../functions/core/pki/ca-operations.js';
import { buildVerifiedCrl } from '../../functions/core/crl-refresh/crl-publication.js';
import { generateRsaKey } from '../../functions/core/pki/certificate-builder.js';
import { toPem } from '../../functions/core/pki/pem.js';
import type { FindingKind } from '../../functions/core/posture/findings.js';
import { generatePassword } from '../../functions/core/password-policy.js';
import { userSecretName, userSecretTags } from '../../functions/core/rbac/user-secret.js';
import type { CacheServiceName } from '../../functions/core/posture/snapshot.js';
import { MemoryCrlAuthority } from './memory-crl-authority.js';
import type { Ec2ClientVpnModel } from './models/ec2-client-vpn/index.js';
import type { ElastiCacheModel } from './models/elasticache/index.js';
import type { MemoryDbModel } from './models/memorydb/index.js';
import type { Sandbox } from './sandbox.js';
import { createTables } from './tables.js';

const DAY_MS = 86_400_000;

/** The subnet the demo caches live in: Client VPN authorization rules should reach no further. */
export const POSTURE_CACHE_SUBNET = '10.0.1.0/24';

/**
 * Every problem `seedPostureAccount` plants with `problems: true`, and the finding each must
 * produce (kind and resource): the audit must report exactly these, and nothing on the account
 * seeded without them. Endpoint resources are filled in with the endpoint IDs once seeded.
 */
export interface SeededProblem {
  kind: FindingKind;
  resource: string;
}

export interface PostureAccount {
  authority: MemoryCrlAuthority;
  endpoints: Record<string, string>;
  /** What the audit must find (empty for a clean account). */
  problems: SeededProblem[];
}

/**
 * A sandbox account for `cachegate audit`: a clean base (a TLS replication group and a
 * serverless cache on RBAC with a locked default user, a MemoryDB cluster on an ACL, users whose passwords live in fresh cachegate
 * secrets, a Client VPN endpoint holding the CA's latest CRL, a server certificate a year from
 * expiry, an authorization rule limited to the cache subnet, connection logging on) and, with
 * `problems`, at least one of each problem the audit looks for. The sandbox's clock is moved
 * forward to age passwords and rotations (a manual clock, speed 0, keeps every age exact).
 * Needs DynamoDB (the CRL store); installs an in-memory CA as the CRL authority.
 */
export async function seedPostureAccount(
  sandbox: Sandbox,
  options: { problems: boolean },
): Promise<PostureAccount> {
  await createTables();
  const clock = sandbox.clock;
  const elastiCache = sandbox.model<ElastiCacheModel>('ElastiCache');
  const memoryDb = sandbox.model<MemoryDbModel>('MemoryDB');
  const problems: SeededProblem[] = [];
  const expect = (kind: FindingKind, resource: string) => problems.push({ kind, resource });

  if (options.problems) {
    // Aged first: the clock then moves on, so these are old when the audit runs.
    elastiCache.seedReplicationGroup({ id: 'legacy-cache', transitEncryption: true, authTokenEnabled: true });
    expect('cache-on-auth-token', 'replication-group/legacy-cache');
    seedElastiCacheUser(elastiCache, 'stale-app', 1);
    await createUserSecret('elasticache', 'stale-app');
    expect('stale-password', 'user/elasticache/stale-app');
    clock.advance(20 * DAY_MS);
    seedElastiCacheUser(elastiCache, 'lingering-app', 2);
    const lingering = await createUserSecret('elasticache', 'lingering-app');
    await putVersion(lingering, ['AWSCURRENT']);
    expect('previous-password-lingers', 'user/elasticache/lingering-app');
    clock.advance(25 * DAY_MS);
    seedElastiCacheUser(elastiCache, 'stuck-app', 1);
    const stuck = await createUserSecret('elasticache', 'stuck-app');
    await putVersion(stuck, ['AWSPENDING']);
    expect('rotation-stuck', 'user/elasticache/stuck-app');
    clock.advance(3 * 3_600_000);
  }

  // The clean base, fresh at the audit's time.
  elastiCache.seedUser({
    userId: 'orders-users-default',
    userName: 'default',
    accessString: 'off -@all',
    passwords: [generatePassword()],
  });
  seedElastiCacheUser(elastiCache, 'orders-reader', 1);
  await createUserSecret('elasticache', 'orders-reader');
  elastiCache.seedUserGroup({ id: 'orders-users', userIds: ['orders-users-default', 'orders-reader'] });
  elastiCache.seedReplicationGroup({
    id: 'orders-cache',
    transitEncryption: true,
    userGroupIds: ['orders-users'],
  });
  // A serverless cache on RBAC: its one user group, with the same locked default user.
  elastiCache.seedUserGroup({ id: 'sessions-users', userIds: ['orders-users-default', 'orders-reader'] });
  elastiCache.seedServerlessCache({ name: 'sessions', userGroupId: 'sessions-users' });
  memoryDb.seedUser({
    userName: 'orders-reader',
    accessString: 'on ~orders:* -@all +@read',
    passwords: [generatePassword()],
  });
  await createUserSecret('memorydb', 'orders-reader');
  memoryDb.seedAcl({ name: 'orders-users', userNames: ['orders-reader'] });
  memoryDb.seedCluster({ name: 'orders-cache', aclName: 'orders-users' });

  const now = clock.now();
  const authority = await MemoryCrlAuthority.create('Posture VPN CA', now);
  setCrlAuthority(async () => authority);
  await authority.issue('alice', now, 365);
  const crl1 = await publishCrl(authority, now, 180, true);
  const crl2 = await publishCrl(authority, now, 180, true);
  const endpoints: Record<string, string> = {};
  endpoints.clean = await seedEndpoint(sandbox, authority, { crlPem: crl2, serverDays: 365 });

  if (options.problems) {
    elastiCache.seedReplicationGroup({ id: 'open-cache', transitEncryption: true });
    expect('cache-without-access-control', 'replication-group/open-cache');
    elastiCache.seedReplicationGroup({ id: 'plaintext-cache', transitEncryption: false });
    expect('cache-without-tls', 'replication-group/plaintext-cache');
    expect('cache-without-access-control', 'replication-group/plaintext-cache');
    // No user group: a serverless cache's only access control is RBAC.
    elastiCache.seedServerlessCache({ name: 'open-sessions' });
    expect('cache-without-access-control', 'serverless-cache/open-sessions');
    memoryDb.seedCluster({ name: 'legacy-cache' });
    expect('memorydb-open-access', 'memorydb-cluster/legacy-cache');
    // The built-in `default` user (on, no password, every command) as a group's default user.
    elastiCache.seedUserGroup({ id: 'open-users', userIds: ['default'] });
    expect('default-user-usable', 'user-group/open-users');
    seedElastiCacheUser(elastiCache, 'ops-admin', 1, 'on ~* +@all');
    await createUserSecret('elasticache', 'ops-admin');
    expect('admin-like-user', 'user/elasticache/ops-admin');
    seedElastiCacheUser(elastiCache, 'hand-made', 1);
    expect('unmanaged-user', 'user/elasticache/hand-made');
    await createUserSecret('elasticache', 'departed');
    expect('orphan-secret', 'secret/elasticache/departed');

    await authority.issue('bob', now, 10);
    expect('client-certificate-expiring', 'client-certificate/bob');
    const endpoint = (name: string) => `client-vpn-endpoint/${endpoints[name]}`;
    endpoints.behind = await seedEndpoint(sandbox, authority, { crlPem: crl1, serverDays: 365 });
    expect('crl-number-behind', endpoint('behind'));
    // Built by hand with a short life and imported outside the refresh workflow.
    const handMade = await publishCrl(authority, now, 3, false);
    endpoints.expiring = await seedEndpoint(sandbox, authority, { crlPem: handMade, serverDays: 365 });
    expect('crl-expiring', endpoint('expiring'));
    expect('crl-differs-from-latest', endpoint('expiring'));
    const stranger = await MemoryCrlAuthority.create('Some Other CA', now);
    endpoints.foreign = await seedEndpoint(sandbox, authority, {
      crlPem: await publishCrl(stranger, now, 180, false),
      serverDays: 365,
    });
    expect('crl-not-from-ca', endpoint('foreign'));
    endpoints.uncovered = await seedEndpoint(sandbox, authority, { serverDays: 365 });
    expect('crl-missing', endpoint('uncovered'));
    endpoints.exposed = await seedEndpoint(sandbox, authority, {
      crlPem: crl2,
      serverDays: 10,
      authorizationCidr: '10.0.0.0/16',
      connectionLogging: false,
    });
    expect('server-certificate-expiring', endpoint('exposed'));
    expect('authorization-rule-too-wide', endpoint('exposed'));
    expect('connection-logging-off', endpoint('exposed'));
  }
  return { authority, endpoints, problems };
}

function seedElastiCacheUser(
  model: ElastiCacheModel,
  userId: string,
  passwords: number,
  accessString = 'on ~app:* -@all +@read',
): void {
  model.seedUser({
    userId,
    userName: userId,
    accessString,
    passwords: Array.from({ length: passwords }, () => generatePassword()),
  });
}

const secretsManager = () => createAwsClient(SecretsManagerClient, {});

/** A cachegate user secret as onboarding leaves it; returns its ARN. */
async function createUserSecret(service: CacheServiceName, userId: string): Promise<string> {
  const { ARN } = await secretsManager().send(
    new CreateSecretCommand({
      Name: userSecretName(userId, service),
      SecretString: JSON.stringify({ username: userId, password: generatePassword() }),
      Tags: Object.entries(userSecretTags(userId)).map(([Key, Value]) => ({ Key, Value })),
    }),
  );
  return ARN as string;
}

async function putVersion(secretArn: string, stages: string[]): Promise<void> {
  await secretsManager().send(
    new PutSecretValueCommand({
      SecretId: secretArn,
      SecretString: JSON.stringify({ username: 'seeded', password: generatePassword() }),
      VersionStages: stages,
    }),
  );
}

/** Builds the CA's next CRL; `store` = published through the CRL store (the refresh workflow's way). */
async function publishCrl(
  authority: MemoryCrlAuthority,
  now: Date,
  days: number,
  store: boolean,
): Promise<string> {
  const crl = await buildVerifiedCrl({
    index: await authority.index.entries(),
    ca: await authority.ca.certificate(),
    signer: await authority.ca.signer(),
    now,
    days,
    minRemainingDays: 0,
    nextCrlNumber: await authority.index.takeCrlNumber(),
  });
  if (store) {
    await storeCrl(crl.der, {
      crlNumber: crl.crlNumber,
      thisUpdate: crl.thisUpdate,
      nextUpdate: crl.nextUpdate,
      entries: crl.entries,
    });
  }
  return toPem('X509 CRL', crl.der);
}

let serverKey: ReturnType<typeof generateRsaKey> | undefined;

/** A Client VPN endpoint trusting the CA, its server certificate imported into ACM with its key. */
async function seedEndpoint(
  sandbox: Sandbox,
  authority: MemoryCrlAuthority,
  options: { crlPem?: string; serverDays: number; authorizationCidr?: string; connectionLogging?: boolean },
): Promise<string> {
  const now = sandbox.clock.now();
  // One key for every seeded server certificate: RSA key generation is the slow part of seeding.
  const { privateKey, publicKey } = (serverKey ??= generateRsaKey());
  const server = await issueCertificate({
    ca: authority.caCert,
    index: [],
    commonName: 'server',
    profile: 'server',
    spki: publicKey.export({ type: 'spki', format: 'der' }),
    now: new Date(now.getTime() - 60_000),
    days: options.serverDays,
    signer: await authority.ca.signer(),
    random: randomBytes,
  });
  const serverCertificateArn = await importCertificate({
    certificatePem: toPem('CERTIFICATE', server.certificate),
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    chainPem: authority.caPem,
  });
  const model = sandbox.model<Ec2ClientVpnModel>('EC2');
  const { ClientVpnEndpointId } = model.commands.CreateClientVpnEndpoint({
    ClientCidrBlock: '10.255.252.0/22',
    ServerCertificateArn: serverCertificateArn,
    AuthenticationOptions: [
      {
        Type: 'certificate-authentication',
        MutualAuthentication: { ClientRootCertificateChainArn: serverCertificateArn },
      },
    ],
    ConnectionLogOptions:
      options.connectionLogging === false
        ? { Enabled: false }
        : { Enabled: true, CloudwatchLogGroup: '/cachegate/client-vpn' },
    SplitTunnel: true,
  });
  model.commands.AuthorizeClientVpnIngress({
    ClientVpnEndpointId,
    TargetNetworkCidr: options.authorizationCidr ?? POSTURE_CACHE_SUBNET,
    AuthorizeAllGroups: true,
  });
  if (options.crlPem) {
    await createAwsClient(EC2Client, {}).send(
      new ImportClientVpnClientCertificateRevocationListCommand({
        ClientVpnEndpointId,
        CertificateRevocationList: options.crlPem,
      }),
    );
  }
  return ClientVpnEndpointId;
}

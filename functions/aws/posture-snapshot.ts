import { CachegateError } from '../core/errors.js';
import { observeCrl } from '../core/crl-refresh/observed-crl.js';
import { parseTimeText } from '../core/pki/asn1-time.js';
import type { ParsedCertificate } from '../core/pki/x509.js';
import type {
  CachePosture,
  CaPosture,
  CacheServiceName,
  PostureSnapshot,
  UserSecretPosture,
  VpnEndpointPosture,
} from '../core/posture/snapshot.js';
import { AWSCURRENT, AWSPENDING, AWSPREVIOUS } from '../core/rotation/stages.js';
import { describeCertificate } from './acm.js';
import { cacheRbac } from './cache-rbac.js';
import { crlAuthority } from './crl-authority.js';
import { latestCrl } from './crl-store.js';
import { exportCrl, listAuthorizationCidrs, listEndpoints } from './ec2-client-vpn.js';
import { listReplicationGroupPostures, listServerlessCaches } from './elasticache.js';
import { listClusterPostures } from './memorydb.js';
import { listUserSecrets } from './rotation-secrets.js';
import { listSecretVersions } from './secrets.js';

export interface GatherOptions {
  region: string;
  /** The cache subnets' CIDRs (deployment configuration): how far an authorization rule may reach. */
  cacheSubnetCidrs: string[];
  /** Read the stack's CA, its CRL store and certificate index (false where no CA is deployed). */
  withCa: boolean;
  /** With the CA: read its latest CRL too (false where the stack has no CRL store); default true. */
  withCrlStore?: boolean;
}

const SERVICES: CacheServiceName[] = ['elasticache', 'memorydb'];

/**
 * Reads everything the posture rules judge, through the same adapters the workflows use, in the
 * region the clients are configured for. Read-only: Describe/List/Get calls, no secret value.
 */
export async function gatherPostureSnapshot(options: GatherOptions): Promise<PostureSnapshot> {
  const caches: CachePosture[] = [
    ...(await listReplicationGroupPostures()),
    ...(await listServerlessCaches()).map((cache): CachePosture => ({
      kind: 'serverless-cache',
      id: cache.replicationGroupId,
      transitEncryption: cache.transitEncryptionEnabled,
      authTokenEnabled: cache.authTokenEnabled,
      userGroupIds: cache.userGroupIds,
    })),
    ...(await listClusterPostures()),
  ];
  const users = [];
  const userGroups = [];
  const secrets: UserSecretPosture[] = [];
  for (const service of SERVICES) {
    const port = cacheRbac(service);
    for (const user of await port.listUsers()) {
      users.push({
        service,
        userId: user.userId,
        userName: user.userName,
        status: user.status,
        accessString: user.accessString,
        authenticationType: user.authenticationType,
        passwordCount: user.passwordCount,
      });
    }
    for (const group of await port.listUserGroups()) {
      userGroups.push({ service, id: group.userGroupId, userIds: group.userIds });
    }
    for (const secret of await listUserSecrets(service)) {
      secrets.push(await secretPosture(service, secret.userId, secret.arn));
    }
  }
  const ca = options.withCa ? await caPosture(options.withCrlStore ?? true) : undefined;
  const vpnEndpoints: VpnEndpointPosture[] = [];
  const serverSerials = new Set<string>();
  for (const endpoint of await listEndpoints()) {
    const [certificate, authorizationCidrs, crl] = await Promise.all([
      describeCertificate(endpoint.serverCertificateArn),
      listAuthorizationCidrs(endpoint.endpointId),
      exportCrl(endpoint.endpointId),
    ]);
    if (certificate) serverSerials.add(certificate.serial.replace(/:/g, '').toUpperCase());
    const observed = crl.pem && ca ? observeCrl(crl.pem, ca.certificate) : undefined;
    vpnEndpoints.push({
      id: endpoint.endpointId,
      serverCertificateArn: endpoint.serverCertificateArn,
      ...(certificate ? { serverCertificateNotAfter: certificate.notAfter.toISOString() } : {}),
      connectionLogging: endpoint.connectionLogging,
      authorizationCidrs,
      ...(crl.pem
        ? {
            crl: {
              sha256: observed?.sha256 ?? '',
              // Without the CA nothing can be said about the CRL's origin; a CRL that does not
              // even parse is not the CA's.
              ...(ca ? { fromCa: observed?.fromCa ?? false } : {}),
              ...(observed?.crlNumber !== undefined ? { crlNumber: observed.crlNumber.toString() } : {}),
              ...(observed?.nextUpdate ? { nextUpdate: observed.nextUpdate.toISOString() } : {}),
            },
          }
        : {}),
    });
  }
  return {
    region: options.region,
    caches,
    users,
    userGroups,
    secrets,
    vpnEndpoints,
    cacheSubnetCidrs: options.cacheSubnetCidrs,
    ...(ca ? { ca: ca.posture } : {}),
    // The stack's CA issues server and client certificates from one index: the endpoints' server
    // certificates (known by their serial in ACM) are not client certificates.
    clientCertificates: (ca?.clientCertificates ?? []).filter((c) => !serverSerials.has(c.serial)),
  };
}

async function secretPosture(
  service: CacheServiceName,
  userId: string,
  arn: string,
): Promise<UserSecretPosture> {
  const versions = await listSecretVersions(arn);
  const created = (stage: string) => versions.find((v) => v.stages.includes(stage))?.created?.toISOString();
  const current = versions.find((v) => v.stages.includes(AWSCURRENT));
  const pending = versions.find((v) => v.stages.includes(AWSPENDING));
  const pendingCreated =
    pending && pending.versionId !== current?.versionId ? pending.created?.toISOString() : undefined;
  const currentCreated = created(AWSCURRENT);
  const previousCreated = created(AWSPREVIOUS);
  return {
    service,
    userId,
    arn,
    ...(currentCreated ? { currentCreated } : {}),
    ...(previousCreated ? { previousCreated } : {}),
    ...(pendingCreated ? { pendingCreated } : {}),
  };
}

async function caPosture(withCrlStore: boolean): Promise<
  | {
      certificate: ParsedCertificate;
      posture: CaPosture;
      clientCertificates: PostureSnapshot['clientCertificates'];
    }
  | undefined
> {
  const authority = await crlAuthority();
  let certificate: ParsedCertificate;
  try {
    certificate = await authority.ca.certificate();
  } catch (error) {
    if (error instanceof CachegateError && error.code === 'CA_NOT_CONFIGURED') return undefined;
    throw error;
  }
  const latest = withCrlStore ? await latestCrl() : undefined;
  const entries = await authority.index.entries();
  return {
    certificate,
    posture: {
      commonName: certificate.commonName ?? '',
      ...(latest
        ? {
            latestCrl: {
              crlNumber: latest.crlNumber.toString(),
              sha256: latest.sha256,
              nextUpdate: latest.nextUpdate.toISOString(),
            },
          }
        : {}),
    },
    clientCertificates: entries
      .filter((e) => e.status === 'V')
      .map((e) => ({
        commonName: e.commonName,
        serial: e.serial,
        notAfter: parseTimeText(e.expires).toISOString(),
      })),
  };
}

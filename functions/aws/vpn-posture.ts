import { CachegateError } from '../core/errors.js';
import { observeCrl } from '../core/crl-refresh/observed-crl.js';
import { parseTimeText } from '../core/pki/asn1-time.js';
import type { ParsedCertificate } from '../core/pki/x509.js';
import type { CaPosture, VpnEndpointPosture, VpnPostureSnapshot } from '../core/posture/snapshot.js';
import { describeCertificate } from './acm.js';
import { crlAuthority } from './crl-authority.js';
import { latestCrl } from './crl-store.js';
import { exportCrl, listAuthorizationCidrs, listEndpoints } from './ec2-client-vpn.js';

export interface VpnPostureOptions {
  region: string;
  /** The cache subnets' CIDRs (deployment configuration): how far an authorization rule may reach. */
  cacheSubnetCidrs: string[];
  /** Read the stack's CA, its CRL store and certificate index (false where no CA is deployed). */
  withCa: boolean;
  /** With the CA: read its latest CRL too (false where the stack has no CRL store); default true. */
  withCrlStore?: boolean;
}

/**
 * The Client VPN half of the posture snapshot (EC2 Client VPN, ACM, the stack's CA and its
 * stores), in the region the clients are configured for. Read-only: Describe/List/Export calls
 * and the CA's public certificate. A module of its own so that a function auditing this half
 * bundles none of the cache half's clients.
 */
export async function gatherVpnPosture(options: VpnPostureOptions): Promise<VpnPostureSnapshot> {
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
    vpnEndpoints,
    cacheSubnetCidrs: options.cacheSubnetCidrs,
    ...(ca ? { ca: ca.posture } : {}),
    // The stack's CA issues server and client certificates from one index: the endpoints' server
    // certificates (known by their serial in ACM) are not client certificates.
    clientCertificates: (ca?.clientCertificates ?? []).filter((c) => !serverSerials.has(c.serial)),
  };
}

async function caPosture(withCrlStore: boolean): Promise<
  | {
      certificate: ParsedCertificate;
      posture: CaPosture;
      clientCertificates: VpnPostureSnapshot['clientCertificates'];
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

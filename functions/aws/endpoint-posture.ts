import { CachegateError } from '../core/errors.js';
import { observeCrl } from '../core/crl-refresh/observed-crl.js';
import type { ParsedCertificate } from '../core/pki/x509.js';
import type { EndpointPostureSnapshot, VpnEndpointPosture } from '../core/posture/snapshot.js';
import { describeCertificate } from './acm.js';
import { crlAuthorityCertificate } from './crl-authority.js';
import { exportCrl, listAuthorizationCidrs, listEndpoints } from './ec2-client-vpn.js';

export interface EndpointPostureOptions {
  region: string;
  /** The cache subnets' CIDRs (deployment configuration): how far an authorization rule may reach. */
  cacheSubnetCidrs: string[];
  /** Judge the endpoints' CRLs against the stack's CA certificate (false where no CA is deployed). */
  withCa: boolean;
}

export interface EndpointPosture {
  snapshot: EndpointPostureSnapshot;
  /** The stack CA's common name; absent when there is no CA to read. */
  caCommonName?: string;
  /**
   * The endpoints' server certificate serials (upper-case hex, as ACM reports them): the stack's
   * CA issues server and client certificates from one index, so these are not client certificates.
   */
  serverSerials: string[];
}

/**
 * The endpoints' part of the Client VPN posture (EC2 Client VPN, ACM, the CA's public
 * certificate), in the region the clients are configured for. Read-only: Describe/List/Export
 * calls. A module of its own, with no DynamoDB call: the CA's stores are read by
 * ca-store-posture.ts.
 */
export async function gatherEndpointPosture(options: EndpointPostureOptions): Promise<EndpointPosture> {
  const ca = options.withCa ? await caCertificate() : undefined;
  const vpnEndpoints: VpnEndpointPosture[] = [];
  const serverSerials = new Set<string>();
  for (const endpoint of await listEndpoints()) {
    const [certificate, authorizationCidrs, crl] = await Promise.all([
      describeCertificate(endpoint.serverCertificateArn),
      listAuthorizationCidrs(endpoint.endpointId),
      exportCrl(endpoint.endpointId),
    ]);
    if (certificate) serverSerials.add(certificate.serial.replace(/:/g, '').toUpperCase());
    const observed = crl.pem && ca ? observeCrl(crl.pem, ca) : undefined;
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
    snapshot: { region: options.region, vpnEndpoints, cacheSubnetCidrs: options.cacheSubnetCidrs },
    ...(ca ? { caCommonName: ca.commonName ?? '' } : {}),
    serverSerials: [...serverSerials],
  };
}

/** The stack CA's certificate, or undefined when none is configured. */
async function caCertificate(): Promise<ParsedCertificate | undefined> {
  try {
    return await crlAuthorityCertificate();
  } catch (error) {
    if (error instanceof CachegateError && error.code === 'CA_NOT_CONFIGURED') return undefined;
    throw error;
  }
}

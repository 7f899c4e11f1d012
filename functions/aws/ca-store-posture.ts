import { parseTimeText } from '../core/pki/asn1-time.js';
import type { CaStorePostureSnapshot, EndpointCrlSummary } from '../core/posture/snapshot.js';
import { crlAuthorityIndex } from './crl-authority.js';
import { latestCrl } from './crl-store.js';

export interface CaStorePostureOptions {
  region: string;
  /** Read the CA's latest CRL (false where the stack has no CRL store). */
  withCrlStore: boolean;
  /** The endpoints' CRLs that are the CA's own (from gatherEndpointPosture's snapshot). */
  endpointCrls: EndpointCrlSummary[];
  /** The endpoints' server certificate serials: left out of the client certificates. */
  serverSerials: string[];
}

/**
 * The CA stores' part of the Client VPN posture: the CA's latest CRL (its CRL store) and its valid
 * client certificates (its index). Read-only. A module of its own, with no EC2 or ACM call.
 */
export async function gatherCaStorePosture(options: CaStorePostureOptions): Promise<CaStorePostureSnapshot> {
  const latest = options.withCrlStore ? await latestCrl() : undefined;
  const entries = await (await crlAuthorityIndex()).entries();
  const serverSerials = new Set(options.serverSerials);
  return {
    region: options.region,
    ...(latest
      ? {
          latestCrl: {
            crlNumber: latest.crlNumber.toString(),
            sha256: latest.sha256,
            nextUpdate: latest.nextUpdate.toISOString(),
          },
        }
      : {}),
    endpointCrls: options.endpointCrls,
    clientCertificates: entries
      .filter((e) => e.status === 'V' && !serverSerials.has(e.serial))
      .map((e) => ({
        commonName: e.commonName,
        serial: e.serial,
        notAfter: parseTimeText(e.expires).toISOString(),
      })),
  };
}

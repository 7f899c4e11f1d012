/** A live Client VPN connection as DescribeClientVpnConnections reports it. */
export interface ConnectionView {
  readonly connectionId: string;
  readonly commonName: string | undefined;
  readonly status: string;
}

/**
 * The connections to terminate after a revocation: those still up (`active`, or a termination
 * that failed) whose certificate common name is the revoked one. A CRL does not end a live session.
 */
export function connectionsOfRevokedCertificate(
  connections: readonly ConnectionView[],
  commonName: string,
): string[] {
  return connections
    .filter(
      (c) => c.commonName === commonName && (c.status === 'active' || c.status === 'failed-to-terminate'),
    )
    .map((c) => c.connectionId);
}

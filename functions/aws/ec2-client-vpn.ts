import {
  EC2Client,
  ExportClientVpnClientCertificateRevocationListCommand,
  ImportClientVpnClientCertificateRevocationListCommand,
  TerminateClientVpnConnectionsCommand,
  paginateDescribeClientVpnAuthorizationRules,
  paginateDescribeClientVpnConnections,
  paginateDescribeClientVpnEndpoints,
} from '@aws-sdk/client-ec2';
import { parseEndpointLocations, type EndpointLocation } from '../core/crl-refresh/endpoint-locations.js';
import { assumedRoleCredentials } from './assumed-role.js';
import { createAwsClient } from './clients.js';

const clients = new Map<string, EC2Client>();

/**
 * The EC2 client for an endpoint: the Lambda's own region and credentials, unless the deployed
 * configuration places the endpoint in another region (`region`) or account (`roleArn`, assumed).
 */
function ec2(endpointId?: string): EC2Client {
  const where: EndpointLocation | undefined =
    endpointId === undefined ? undefined : parseEndpointLocations(process.env)[endpointId];
  const key = `${where?.region ?? ''} ${where?.roleArn ?? ''}`;
  let client = clients.get(key);
  if (!client) {
    client = createAwsClient(EC2Client, {
      ...(where ? { region: where.region } : {}),
      ...(where?.roleArn ? { credentials: assumedRoleCredentials(where.roleArn, 'crl-distribution') } : {}),
    });
    clients.set(key, client);
  }
  return client;
}

export type CrlStatus = 'pending' | 'active';

export interface EndpointCrl {
  /** The PEM Client VPN holds, exactly as it returns it; undefined when none was ever imported. */
  pem: string | undefined;
  status: CrlStatus | undefined;
}

export interface VpnConnection {
  connectionId: string;
  commonName: string | undefined;
  status: string;
}

/** Replaces the endpoint's CRL. Client VPN resets every connection of the endpoint when it does. */
export async function importCrl(endpointId: string, pem: string): Promise<void> {
  await ec2(endpointId).send(
    new ImportClientVpnClientCertificateRevocationListCommand({
      ClientVpnEndpointId: endpointId,
      CertificateRevocationList: pem,
    }),
  );
}

export async function exportCrl(endpointId: string): Promise<EndpointCrl> {
  const out = await ec2(endpointId).send(
    new ExportClientVpnClientCertificateRevocationListCommand({ ClientVpnEndpointId: endpointId }),
  );
  return {
    pem: out.CertificateRevocationList || undefined,
    status: out.Status?.Code as CrlStatus | undefined,
  };
}

/** Every connection the endpoint reports (all pages). */
export async function listConnections(endpointId: string): Promise<VpnConnection[]> {
  const connections: VpnConnection[] = [];
  for await (const page of paginateDescribeClientVpnConnections(
    { client: ec2(endpointId), pageSize: 1000 },
    { ClientVpnEndpointId: endpointId },
  )) {
    for (const c of page.Connections ?? []) {
      connections.push({
        connectionId: c.ConnectionId ?? '',
        commonName: c.CommonName,
        status: c.Status?.Code ?? 'unknown',
      });
    }
  }
  return connections;
}

/** Terminates connections one by one; returns the IDs whose status is now terminating/terminated. */
export async function terminateConnections(
  endpointId: string,
  connectionIds: readonly string[],
): Promise<string[]> {
  const ended: string[] = [];
  for (const connectionId of connectionIds) {
    const out = await ec2(endpointId).send(
      new TerminateClientVpnConnectionsCommand({
        ClientVpnEndpointId: endpointId,
        ConnectionId: connectionId,
      }),
    );
    for (const status of out.ConnectionStatuses ?? []) {
      const code = status.CurrentStatus?.Code;
      if (status.ConnectionId && (code === 'terminating' || code === 'terminated'))
        ended.push(status.ConnectionId);
    }
  }
  return ended;
}

export interface VpnEndpointSummary {
  endpointId: string;
  serverCertificateArn: string;
  connectionLogging: boolean;
}

/** Every Client VPN endpoint of the region (all pages). */
export async function listEndpoints(): Promise<VpnEndpointSummary[]> {
  const endpoints: VpnEndpointSummary[] = [];
  for await (const page of paginateDescribeClientVpnEndpoints({ client: ec2(), pageSize: 1000 }, {})) {
    for (const endpoint of page.ClientVpnEndpoints ?? []) {
      endpoints.push({
        endpointId: endpoint.ClientVpnEndpointId ?? '',
        serverCertificateArn: endpoint.ServerCertificateArn ?? '',
        connectionLogging: endpoint.ConnectionLogOptions?.Enabled ?? false,
      });
    }
  }
  return endpoints;
}

/** The destination CIDRs of the endpoint's authorization rules (all pages). */
export async function listAuthorizationCidrs(endpointId: string): Promise<string[]> {
  const cidrs: string[] = [];
  for await (const page of paginateDescribeClientVpnAuthorizationRules(
    { client: ec2(endpointId), pageSize: 1000 },
    { ClientVpnEndpointId: endpointId },
  )) {
    for (const rule of page.AuthorizationRules ?? []) {
      if (rule.DestinationCidr) cidrs.push(rule.DestinationCidr);
    }
  }
  return cidrs;
}

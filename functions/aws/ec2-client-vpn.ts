import {
  AssociateClientVpnTargetNetworkCommand,
  AuthorizeClientVpnIngressCommand,
  CreateClientVpnEndpointCommand,
  DescribeClientVpnAuthorizationRulesCommand,
  EC2Client,
  ExportClientVpnClientCertificateRevocationListCommand,
  ImportClientVpnClientCertificateRevocationListCommand,
  TerminateClientVpnConnectionsCommand,
  paginateDescribeClientVpnAuthorizationRules,
  paginateDescribeClientVpnConnections,
  paginateDescribeClientVpnEndpoints,
  DescribeClientVpnEndpointsCommand,
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
  return ec2At(endpointId === undefined ? undefined : parseEndpointLocations(process.env)[endpointId]);
}

/** One client per region and account (the default ones when `where` is undefined). */
function ec2At(where: EndpointLocation | undefined): EC2Client {
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

export interface ClientVpnEndpointInfo {
  readonly endpointId: string;
  /** As EC2 returns it: `*.cvpn-endpoint-….prod.clientvpn.<region>.amazonaws.com`. */
  readonly dnsName: string;
  readonly status: string;
  readonly transportProtocol: 'udp' | 'tcp';
  readonly vpnPort: number;
}

/**
 * The endpoint's DNS name, protocol and port (what the console's "Download client
 * configuration" puts in a profile), in `region` or the default one; undefined when EC2 does not
 * know the endpoint (`InvalidClientVpnEndpointId.NotFound`) or it is deleted.
 */
export async function describeEndpoint(
  endpointId: string,
  region?: string,
): Promise<ClientVpnEndpointInfo | undefined> {
  let endpoint;
  try {
    const out = await ec2At(region === undefined ? undefined : { region }).send(
      new DescribeClientVpnEndpointsCommand({ ClientVpnEndpointIds: [endpointId] }),
    );
    endpoint = out.ClientVpnEndpoints?.[0];
  } catch (error) {
    if ((error as Error).name === 'InvalidClientVpnEndpointId.NotFound') return undefined;
    throw error;
  }
  if (!endpoint?.DnsName || endpoint.Status?.Code === 'deleted') return undefined;
  return {
    endpointId,
    dnsName: endpoint.DnsName,
    status: endpoint.Status?.Code ?? 'unknown',
    transportProtocol: endpoint.TransportProtocol === 'tcp' ? 'tcp' : 'udp',
    vpnPort: endpoint.VpnPort ?? 443,
  };
}

/** A Client VPN endpoint with mutual certificate authentication (what `CacheVpnAccess` deploys). */
export interface CertificateEndpointSpec {
  vpcId: string;
  clientCidr: string;
  serverCertificateArn: string;
  clientRootCertificateChainArn: string;
  connectionLogGroup: string;
  splitTunnel: boolean;
  description: string;
}

/** Creates the endpoint in the default region and account; returns its ID. */
export async function createCertificateEndpoint(spec: CertificateEndpointSpec): Promise<string> {
  const created = await ec2At(undefined).send(
    new CreateClientVpnEndpointCommand({
      ClientCidrBlock: spec.clientCidr,
      ServerCertificateArn: spec.serverCertificateArn,
      AuthenticationOptions: [
        {
          Type: 'certificate-authentication',
          MutualAuthentication: { ClientRootCertificateChainArn: spec.clientRootCertificateChainArn },
        },
      ],
      ConnectionLogOptions: { Enabled: true, CloudwatchLogGroup: spec.connectionLogGroup },
      SplitTunnel: spec.splitTunnel,
      VpcId: spec.vpcId,
      Description: spec.description,
    }),
  );
  return created.ClientVpnEndpointId as string;
}

export async function associateTargetSubnet(endpointId: string, subnetId: string): Promise<void> {
  await ec2At(undefined).send(
    new AssociateClientVpnTargetNetworkCommand({ ClientVpnEndpointId: endpointId, SubnetId: subnetId }),
  );
}

/** Lets every client of the endpoint reach `cidr`. */
export async function authorizeIngressForAll(
  endpointId: string,
  cidr: string,
  description: string,
): Promise<void> {
  await ec2At(undefined).send(
    new AuthorizeClientVpnIngressCommand({
      ClientVpnEndpointId: endpointId,
      TargetNetworkCidr: cidr,
      AuthorizeAllGroups: true,
      Description: description,
    }),
  );
}

/** The endpoint's status and DNS name and its authorization rules' statuses (first page of each). */
export async function endpointReadiness(endpointId: string): Promise<{
  status: string | undefined;
  dnsName: string | undefined;
  ruleStatuses: (string | undefined)[];
}> {
  const client = ec2At(undefined);
  const [endpoint] =
    (await client.send(new DescribeClientVpnEndpointsCommand({ ClientVpnEndpointIds: [endpointId] })))
      .ClientVpnEndpoints ?? [];
  const rules =
    (await client.send(new DescribeClientVpnAuthorizationRulesCommand({ ClientVpnEndpointId: endpointId })))
      .AuthorizationRules ?? [];
  return {
    status: endpoint?.Status?.Code,
    dnsName: endpoint?.DnsName,
    ruleStatuses: rules.map((rule) => rule.Status?.Code),
  };
}

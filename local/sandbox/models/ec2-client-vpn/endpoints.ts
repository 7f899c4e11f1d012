import { fromPem } from '../../../../functions/core/pki/pem.js';
import { parseCertificate } from '../../../../functions/core/pki/x509.js';
import {
  ClientVpnState,
  parseCidr,
  invalidParameter,
  missingParameter,
  timestamp,
  paginate,
  type Endpoint,
  type SeedEndpointOptions,
} from './state.js';

/** CreateClientVpnEndpoint, DescribeClientVpnEndpoints. */
export function endpointCommands(s: ClientVpnState) {
  return {
    CreateClientVpnEndpoint: (input: {
      ClientCidrBlock?: string;
      ServerCertificateArn?: string;
      AuthenticationOptions?: {
        Type?: string;
        MutualAuthentication?: { ClientRootCertificateChainArn?: string };
      }[];
      ConnectionLogOptions?: Endpoint['connectionLogOptions'];
      DnsServers?: string[];
      TransportProtocol?: string;
      VpnPort?: number;
      Description?: string;
      SplitTunnel?: boolean;
      SecurityGroupIds?: string[];
      VpcId?: string;
      ClientToken?: string;
    }) => {
      if (input.ClientToken) {
        const existing = [...s.endpoints.values()].find((e) => e.clientToken === input.ClientToken);
        if (existing) return createOutput(s, existing);
      }
      if (!input.ClientCidrBlock) throw missingParameter('ClientCidrBlock');
      if (!input.ServerCertificateArn) throw missingParameter('ServerCertificateArn');
      if (!input.ConnectionLogOptions) throw missingParameter('ConnectionLogOptions');
      const cidr = parseCidr(input.ClientCidrBlock);
      if (!cidr || cidr.prefix < 12 || cidr.prefix > 22) {
        throw invalidParameter(
          `Invalid ClientCidrBlock ${input.ClientCidrBlock}: the CIDR block must be between /12 and /22`,
        );
      }
      if (s.certificates.certificatePem(input.ServerCertificateArn) === undefined) {
        throw invalidParameter(`Certificate arn ${input.ServerCertificateArn} does not exist`);
      }
      const options = input.AuthenticationOptions ?? [];
      const mutual = options.find((o) => o.Type === 'certificate-authentication');
      if (options.length === 0 || options.length > 2) {
        throw invalidParameter('AuthenticationOptions must contain one or two authentication options');
      }
      if (!mutual) {
        throw invalidParameter(
          'Only certificate-authentication (mutual TLS) is modelled by the sandbox; add it to AuthenticationOptions',
        );
      }
      const rootArn = mutual.MutualAuthentication?.ClientRootCertificateChainArn;
      if (!rootArn)
        throw missingParameter('AuthenticationOptions.MutualAuthentication.ClientRootCertificateChainArn');
      const rootPem = s.certificates.chainPem(rootArn) ?? s.certificates.certificatePem(rootArn);
      if (rootPem === undefined) throw invalidParameter(`Certificate arn ${rootArn} does not exist`);
      const port = input.VpnPort ?? 443;
      if (port !== 443 && port !== 1194) throw invalidParameter('VpnPort must be 443 or 1194');
      const endpoint: Endpoint = {
        id: s.newId('cvpn-endpoint'),
        clientToken: input.ClientToken,
        description: input.Description,
        createdAt: s.clock.nowMs(),
        clientCidrBlock: input.ClientCidrBlock,
        serverCertificateArn: input.ServerCertificateArn,
        clientRootCertificateChainArn: rootArn,
        ca: parseCertificate(fromPem(rootPem, 'CERTIFICATE', rootArn), rootArn),
        splitTunnel: input.SplitTunnel ?? false,
        transportProtocol: input.TransportProtocol ?? 'udp',
        vpnPort: port,
        dnsServers: input.DnsServers ?? [],
        vpcId: input.VpcId,
        securityGroupIds: input.SecurityGroupIds ?? [],
        connectionLogOptions: input.ConnectionLogOptions,
        associations: [],
        authorizationRules: [],
        routes: [],
        crls: [],
        connections: [],
        nextClientIp: cidr.base + 2,
      };
      s.endpoints.set(endpoint.id, endpoint);
      return createOutput(s, endpoint);
    },

    DescribeClientVpnEndpoints: (input: {
      ClientVpnEndpointIds?: string[];
      MaxResults?: number;
      NextToken?: string;
    }) => {
      const ids = input.ClientVpnEndpointIds;
      const list = ids && ids.length > 0 ? ids.map((id) => s.endpoint(id)) : [...s.endpoints.values()];
      const { page, nextToken } = paginate(list, input.MaxResults, input.NextToken, 5, 1000);
      return {
        ClientVpnEndpoints: page.map((e) => endpointView(s, e)),
        ...(nextToken ? { NextToken: nextToken } : {}),
      };
    },
  };
}

/** An `available` endpoint (associated, authorized, routed) whose client CA is `caCertPem`. */
export function seedEndpoint(s: ClientVpnState, options: SeedEndpointOptions): string {
  const { ClientVpnEndpointId } = endpointCommands(s).CreateClientVpnEndpoint({
    ClientCidrBlock: options.clientCidrBlock ?? '10.100.0.0/22',
    ServerCertificateArn: s.registerCertificate(options.caCertPem),
    AuthenticationOptions: [
      {
        Type: 'certificate-authentication',
        MutualAuthentication: {
          ClientRootCertificateChainArn: s.registerCertificate(options.caCertPem),
        },
      },
    ],
    ConnectionLogOptions: { Enabled: false },
    SplitTunnel: true,
    Description: options.description,
  });
  const endpoint = s.endpoint(ClientVpnEndpointId);
  if (options.id) {
    s.endpoints.delete(endpoint.id);
    endpoint.id = options.id;
    s.endpoints.set(endpoint.id, endpoint);
  }
  const past = s.clock.nowMs() - 86_400_000;
  endpoint.createdAt = past;
  endpoint.associations.push({
    associationId: s.newId('cvpn-assoc'),
    subnetId: 'subnet-0seed',
    createdAt: past,
  });
  endpoint.authorizationRules.push({
    targetNetworkCidr: '10.0.0.0/16',
    accessGroupId: undefined,
    authorizeAllGroups: true,
    description: 'seeded',
    createdAt: past,
  });
  return endpoint.id;
}

function createOutput(s: ClientVpnState, endpoint: Endpoint) {
  return {
    ClientVpnEndpointId: endpoint.id,
    Status: { Code: s.endpointStatus(endpoint) },
    DnsName: s.dnsName(endpoint),
  };
}

function endpointView(s: ClientVpnState, e: Endpoint) {
  return {
    ClientVpnEndpointId: e.id,
    Description: e.description,
    Status: { Code: s.endpointStatus(e) },
    CreationTime: timestamp(e.createdAt),
    DnsName: s.dnsName(e),
    ClientCidrBlock: e.clientCidrBlock,
    DnsServers: e.dnsServers,
    SplitTunnel: e.splitTunnel,
    VpnProtocol: 'openvpn',
    TransportProtocol: e.transportProtocol,
    VpnPort: e.vpnPort,
    ServerCertificateArn: e.serverCertificateArn,
    AuthenticationOptions: [
      {
        Type: 'certificate-authentication',
        MutualAuthentication: { ClientRootCertificateChain: e.clientRootCertificateChainArn },
      },
    ],
    ConnectionLogOptions: e.connectionLogOptions,
    VpcId: e.vpcId,
    SecurityGroupIds: e.securityGroupIds,
  };
}

import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type {
  ClientVpnAuthorizationRuleStatusCode,
  ClientVpnConnectionStatusCode,
  ClientVpnEndpointStatusCode,
} from '@aws-sdk/client-ec2';
import {
  CLIENT_VPN_MAX_CRL_ENTRIES,
  parseCrl,
  type ParsedCrl,
} from '../../../functions/core/pki/crl-verify.js';
import { fromPem } from '../../../functions/core/pki/pem.js';
import {
  parseCertificate,
  verifySignature,
  type ParsedCertificate,
} from '../../../functions/core/pki/x509.js';
import type { SandboxClock } from '../clock.js';
import type { CertificateDirectory } from './acm.js';
import type { ServiceModel } from '../sandbox.js';
import { genericFault } from '../service-error.js';

/** Simulated durations of Client VPN's asynchronous changes (milliseconds of sandbox time). */
export interface ClientVpnDelays {
  /** Target network association: `associating` → `associated` (the endpoint turns `available`). */
  association: number;
  authorization: number;
  route: number;
  /** An imported CRL is `pending` this long, then `active`; the previous CRL stays in force meanwhile. */
  crlActivation: number;
  /** A terminated connection shows `terminating` this long, then `terminated`. */
  connectionTerminate: number;
}

export interface Ec2ClientVpnModelOptions {
  region?: string;
  accountId?: string;
  delays?: Partial<ClientVpnDelays>;
  /** The ACM model the certificate ARNs live in; without one, the model keeps its own list. */
  certificates?: CertificateDirectory;
}

const DEFAULT_DELAYS: ClientVpnDelays = {
  association: 120_000,
  authorization: 10_000,
  route: 10_000,
  crlActivation: 60_000,
  connectionTerminate: 5_000,
};

/** Why a simulated client was refused (what the OpenVPN server would log). */
export type ConnectRefusal =
  | 'endpoint-unavailable'
  | 'certificate-malformed'
  | 'unknown-ca'
  | 'certificate-not-yet-valid'
  | 'certificate-expired'
  | 'certificate-revoked'
  | 'crl-expired';

export type ConnectResult =
  { connected: true; connectionId: string } | { connected: false; reason: ConnectRefusal };

export interface ConnectAttempt {
  endpointId: string;
  commonName: string | undefined;
  at: number;
  result: ConnectResult;
}

export interface CrlImportRecord {
  endpointId: string;
  at: number;
  activeAt: number;
  sha256: string;
  crlNumber: string | undefined;
  entries: number;
  /** Connections the import reset. */
  resetConnectionIds: string[];
}

interface ImportedCrl {
  pem: string;
  parsed: ParsedCrl;
  serials: Set<string>;
  importedAt: number;
}

interface Connection {
  id: string;
  endpointId: string;
  commonName: string | undefined;
  username: string | undefined;
  serial: string;
  clientIp: string;
  establishedAt: number;
  endedAt?: number;
  /** A client that reconnects by itself whenever its connection is dropped (as OpenVPN clients do). */
  certPem: string;
  reconnect: boolean;
}

interface Timed {
  createdAt: number;
}

interface Association extends Timed {
  associationId: string;
  subnetId: string;
}

interface AuthorizationRule extends Timed {
  targetNetworkCidr: string;
  accessGroupId: string | undefined;
  authorizeAllGroups: boolean;
  description: string | undefined;
}

interface Route extends Timed {
  destinationCidr: string;
  targetSubnet: string;
  description: string | undefined;
}

interface Endpoint {
  id: string;
  clientToken: string | undefined;
  description: string | undefined;
  createdAt: number;
  clientCidrBlock: string;
  serverCertificateArn: string;
  clientRootCertificateChainArn: string;
  ca: ParsedCertificate;
  splitTunnel: boolean;
  transportProtocol: string;
  vpnPort: number;
  dnsServers: string[];
  vpcId: string | undefined;
  securityGroupIds: string[];
  connectionLogOptions: { Enabled: boolean; CloudwatchLogGroup?: string; CloudwatchLogStream?: string };
  associations: Association[];
  authorizationRules: AuthorizationRule[];
  routes: Route[];
  /** Every import, newest last: the newest active one is in force. */
  crls: ImportedCrl[];
  connections: Connection[];
  nextClientIp: number;
}

export interface SeedEndpointOptions {
  caCertPem: string;
  id?: string;
  clientCidrBlock?: string;
  description?: string;
}

const CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;

function parseCidr(text: unknown): { base: number; prefix: number } | undefined {
  const m = typeof text === 'string' ? CIDR.exec(text) : null;
  if (!m) return undefined;
  const octets = m.slice(1, 5).map(Number);
  const prefix = Number(m[5]);
  if (octets.some((o) => o > 255) || prefix > 32) return undefined;
  const base = octets.reduce((acc, o) => acc * 256 + o, 0);
  return { base, prefix };
}

const ipText = (n: number) => [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');

const invalidParameter = (message: string) => genericFault('InvalidParameterValue', message, 400);
const missingParameter = (name: string) =>
  genericFault('MissingParameter', `The request must contain the parameter ${name}`, 400);

/** `yyyy-mm-dd hh:mm:ss`, the form Client VPN uses for its timestamps. */
const timestamp = (ms: number) => new Date(ms).toISOString().slice(0, 19).replace('T', ' ');

/**
 * AWS Client VPN (EC2 API) as documented: endpoints with mutual TLS authentication, target network
 * associations, authorization rules, routes; a CRL import replaces the CRL, is `pending` and then
 * `active`, and resets every client connection of the endpoint; connections are listed (paged) and
 * terminated by ID or user name. EC2 has no modelled exception classes: errors carry EC2's
 * documented codes (`InvalidClientVpnEndpointId.NotFound`, ...).
 *
 * Certificate ARNs are ACM's (local/sandbox/models/acm.ts): `registerCertificate(pem)` puts a
 * certificate there without its key and returns the ARN `CreateClientVpnEndpoint` takes.
 * Simulated clients (`connectClient`) connect only with a certificate signed by the endpoint's
 * client CA, within its validity, not revoked by the CRL in force; nobody connects while that CRL
 * has expired. A CRL from another CA does not apply to the endpoint's certificates (lets everyone in).
 */
export class Ec2ClientVpnModel implements ServiceModel {
  readonly serviceId = 'EC2';
  readonly delays: ClientVpnDelays;
  readonly crlImports: CrlImportRecord[] = [];
  readonly connectAttempts: ConnectAttempt[] = [];
  private readonly region: string;
  private readonly accountId: string;
  private readonly endpoints = new Map<string, Endpoint>();
  private readonly certificates: CertificateDirectory;
  private readonly endpointFaults: { endpointId: string; command: string; left: number; code: string }[] = [];

  constructor(
    private readonly clock: SandboxClock,
    options: Ec2ClientVpnModelOptions = {},
  ) {
    this.region = options.region ?? 'us-east-1';
    this.accountId = options.accountId ?? '000000000000';
    this.delays = { ...DEFAULT_DELAYS, ...options.delays };
    this.certificates = options.certificates ?? ownCertificateList(this.region, this.accountId);
  }

  /**
   * Stands in for ACM ImportCertificate: returns the ARN under which the PEM is known. With
   * `chainPem` (ImportCertificate's --certificate-chain), the ARN used as a client root chain
   * authenticates clients against that chain's CA, as on AWS.
   */
  registerCertificate(pem: string, chainPem?: string): string {
    return this.certificates.adopt(pem, chainPem);
  }

  /** An `available` endpoint (associated, authorized, routed) whose client CA is `caCertPem`. */
  seedEndpoint(options: SeedEndpointOptions): string {
    const { ClientVpnEndpointId } = this.commands.CreateClientVpnEndpoint({
      ClientCidrBlock: options.clientCidrBlock ?? '10.100.0.0/22',
      ServerCertificateArn: this.registerCertificate(options.caCertPem),
      AuthenticationOptions: [
        {
          Type: 'certificate-authentication',
          MutualAuthentication: {
            ClientRootCertificateChainArn: this.registerCertificate(options.caCertPem),
          },
        },
      ],
      ConnectionLogOptions: { Enabled: false },
      SplitTunnel: true,
      Description: options.description,
    });
    const endpoint = this.endpoint(ClientVpnEndpointId);
    if (options.id) {
      this.endpoints.delete(endpoint.id);
      endpoint.id = options.id;
      this.endpoints.set(endpoint.id, endpoint);
    }
    const past = this.clock.nowMs() - 86_400_000;
    endpoint.createdAt = past;
    endpoint.associations.push({
      associationId: this.newId('cvpn-assoc'),
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

  /**
   * A simulated client (OpenVPN with a client certificate) connects. With `reconnect`, it connects
   * again by itself each time its connection is dropped (an import reset or a termination), as
   * OpenVPN clients do; a refused reconnect ends that.
   */
  connectClient(
    endpointId: string,
    certPem: string,
    options: { reconnect?: boolean; username?: string } = {},
  ): ConnectResult {
    const endpoint = this.endpoint(endpointId);
    return this.attempt(endpoint, certPem, options.reconnect ?? false, options.username);
  }

  /** Every connection of an endpoint, oldest first (simulation view, with times in ms). */
  connections(endpointId: string): {
    connectionId: string;
    commonName: string | undefined;
    establishedAt: number;
    endedAt: number | undefined;
  }[] {
    return this.endpoint(endpointId).connections.map((c) => ({
      connectionId: c.id,
      commonName: c.commonName,
      establishedAt: c.establishedAt,
      endedAt: c.endedAt,
    }));
  }

  /**
   * Makes the next `times` calls of `command` on one endpoint fail with `code` (a 500
   * `InternalError` by default; `Infinity` = always). The sandbox's own fault injector counts
   * calls per command across endpoints; this one singles out an endpoint.
   */
  failEndpoint(endpointId: string, command: string, times = 1, code = 'InternalError'): void {
    this.endpointFaults.push({ endpointId, command, left: times, code });
  }

  clearEndpointFaults(): void {
    this.endpointFaults.length = 0;
  }

  /** The endpoint's CRL in force now (the newest import that is active), as PEM. */
  crlInForce(endpointId: string): string | undefined {
    return this.activeCrl(this.endpoint(endpointId))?.pem;
  }

  readonly commands = {
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
        const existing = [...this.endpoints.values()].find((e) => e.clientToken === input.ClientToken);
        if (existing) return this.createOutput(existing);
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
      if (this.certificates.certificatePem(input.ServerCertificateArn) === undefined) {
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
      const rootPem = this.certificates.chainPem(rootArn) ?? this.certificates.certificatePem(rootArn);
      if (rootPem === undefined) throw invalidParameter(`Certificate arn ${rootArn} does not exist`);
      const port = input.VpnPort ?? 443;
      if (port !== 443 && port !== 1194) throw invalidParameter('VpnPort must be 443 or 1194');
      const endpoint: Endpoint = {
        id: this.newId('cvpn-endpoint'),
        clientToken: input.ClientToken,
        description: input.Description,
        createdAt: this.clock.nowMs(),
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
      this.endpoints.set(endpoint.id, endpoint);
      return this.createOutput(endpoint);
    },

    DescribeClientVpnEndpoints: (input: {
      ClientVpnEndpointIds?: string[];
      MaxResults?: number;
      NextToken?: string;
    }) => {
      const ids = input.ClientVpnEndpointIds;
      const list = ids && ids.length > 0 ? ids.map((id) => this.endpoint(id)) : [...this.endpoints.values()];
      const { page, nextToken } = paginate(list, input.MaxResults, input.NextToken, 5, 1000);
      return {
        ClientVpnEndpoints: page.map((e) => this.endpointView(e)),
        ...(nextToken ? { NextToken: nextToken } : {}),
      };
    },

    AssociateClientVpnTargetNetwork: (input: { ClientVpnEndpointId?: string; SubnetId?: string }) => {
      const endpoint = this.endpoint(input.ClientVpnEndpointId, 'AssociateClientVpnTargetNetwork');
      if (!input.SubnetId) throw missingParameter('SubnetId');
      if (!/^subnet-[0-9a-z]+$/.test(input.SubnetId)) {
        throw genericFault(
          'InvalidClientVpnSubnetId.NotFound',
          `The subnet ID '${input.SubnetId}' does not exist`,
        );
      }
      if (endpoint.associations.some((a) => a.subnetId === input.SubnetId)) {
        throw genericFault(
          'InvalidClientVpnDuplicateAssociationException',
          `Subnet ${input.SubnetId} is already associated with Client VPN endpoint ${endpoint.id}`,
        );
      }
      const association: Association = {
        associationId: this.newId('cvpn-assoc'),
        subnetId: input.SubnetId,
        createdAt: this.clock.nowMs(),
      };
      endpoint.associations.push(association);
      return { AssociationId: association.associationId, Status: { Code: 'associating' } };
    },

    DescribeClientVpnTargetNetworks: (input: { ClientVpnEndpointId?: string }) => {
      const endpoint = this.endpoint(input.ClientVpnEndpointId, 'DescribeClientVpnTargetNetworks');
      return {
        ClientVpnTargetNetworks: endpoint.associations.map((a) => ({
          AssociationId: a.associationId,
          ClientVpnEndpointId: endpoint.id,
          TargetNetworkId: a.subnetId,
          VpcId: endpoint.vpcId,
          Status: { Code: this.settled(a, this.delays.association) ? 'associated' : 'associating' },
        })),
      };
    },

    AuthorizeClientVpnIngress: (input: {
      ClientVpnEndpointId?: string;
      TargetNetworkCidr?: string;
      AccessGroupId?: string;
      AuthorizeAllGroups?: boolean;
      Description?: string;
    }) => {
      const endpoint = this.endpoint(input.ClientVpnEndpointId, 'AuthorizeClientVpnIngress');
      if (!parseCidr(input.TargetNetworkCidr))
        throw invalidParameter(`Invalid TargetNetworkCidr ${input.TargetNetworkCidr}`);
      if (!input.AuthorizeAllGroups && !input.AccessGroupId) {
        throw genericFault(
          'InvalidParameterCombination',
          'Either AccessGroupId or AuthorizeAllGroups must be specified',
        );
      }
      const duplicate = endpoint.authorizationRules.some(
        (r) =>
          r.targetNetworkCidr === input.TargetNetworkCidr &&
          r.accessGroupId === input.AccessGroupId &&
          r.authorizeAllGroups === Boolean(input.AuthorizeAllGroups),
      );
      if (duplicate) {
        throw genericFault(
          'InvalidClientVpnDuplicateAuthorizationRule',
          `An authorization rule for ${input.TargetNetworkCidr} already exists on ${endpoint.id}`,
        );
      }
      endpoint.authorizationRules.push({
        targetNetworkCidr: input.TargetNetworkCidr as string,
        accessGroupId: input.AccessGroupId,
        authorizeAllGroups: Boolean(input.AuthorizeAllGroups),
        description: input.Description,
        createdAt: this.clock.nowMs(),
      });
      return { Status: { Code: 'authorizing' satisfies ClientVpnAuthorizationRuleStatusCode } };
    },

    DescribeClientVpnAuthorizationRules: (input: { ClientVpnEndpointId?: string }) => {
      const endpoint = this.endpoint(input.ClientVpnEndpointId, 'DescribeClientVpnAuthorizationRules');
      return {
        AuthorizationRules: endpoint.authorizationRules.map((r) => ({
          ClientVpnEndpointId: endpoint.id,
          DestinationCidr: r.targetNetworkCidr,
          GroupId: r.accessGroupId,
          AccessAll: r.authorizeAllGroups,
          Description: r.description,
          Status: { Code: this.settled(r, this.delays.authorization) ? 'active' : 'authorizing' },
        })),
      };
    },

    RevokeClientVpnIngress: (input: {
      ClientVpnEndpointId?: string;
      TargetNetworkCidr?: string;
      AccessGroupId?: string;
      RevokeAllGroups?: boolean;
    }) => {
      const endpoint = this.endpoint(input.ClientVpnEndpointId, 'RevokeClientVpnIngress');
      const index = endpoint.authorizationRules.findIndex(
        (r) =>
          r.targetNetworkCidr === input.TargetNetworkCidr &&
          (input.RevokeAllGroups ? r.authorizeAllGroups : r.accessGroupId === input.AccessGroupId),
      );
      if (index < 0) {
        throw genericFault(
          'InvalidClientVpnEndpointAuthorizationRuleNotFound',
          `No authorization rule for ${input.TargetNetworkCidr} on ${endpoint.id}`,
        );
      }
      endpoint.authorizationRules.splice(index, 1);
      return { Status: { Code: 'revoking' } };
    },

    CreateClientVpnRoute: (input: {
      ClientVpnEndpointId?: string;
      DestinationCidrBlock?: string;
      TargetVpcSubnetId?: string;
      Description?: string;
    }) => {
      const endpoint = this.endpoint(input.ClientVpnEndpointId, 'CreateClientVpnRoute');
      if (!parseCidr(input.DestinationCidrBlock)) {
        throw invalidParameter(`Invalid DestinationCidrBlock ${input.DestinationCidrBlock}`);
      }
      if (!endpoint.associations.some((a) => a.subnetId === input.TargetVpcSubnetId)) {
        throw genericFault(
          'InvalidClientVpnActiveAssociationNotFound',
          `Subnet ${input.TargetVpcSubnetId} is not associated with Client VPN endpoint ${endpoint.id}`,
        );
      }
      const duplicate = endpoint.routes.some(
        (r) => r.destinationCidr === input.DestinationCidrBlock && r.targetSubnet === input.TargetVpcSubnetId,
      );
      if (duplicate) {
        throw genericFault(
          'InvalidClientVpnDuplicateRoute',
          `A route to ${input.DestinationCidrBlock} through ${input.TargetVpcSubnetId} already exists`,
        );
      }
      endpoint.routes.push({
        destinationCidr: input.DestinationCidrBlock as string,
        targetSubnet: input.TargetVpcSubnetId as string,
        description: input.Description,
        createdAt: this.clock.nowMs(),
      });
      return { Status: { Code: 'creating' } };
    },

    DescribeClientVpnRoutes: (input: { ClientVpnEndpointId?: string }) => {
      const endpoint = this.endpoint(input.ClientVpnEndpointId, 'DescribeClientVpnRoutes');
      return {
        Routes: endpoint.routes.map((r) => ({
          ClientVpnEndpointId: endpoint.id,
          DestinationCidr: r.destinationCidr,
          TargetSubnet: r.targetSubnet,
          Type: 'Nat',
          Origin: 'add-route',
          Description: r.description,
          Status: { Code: this.settled(r, this.delays.route) ? 'active' : 'creating' },
        })),
      };
    },

    ImportClientVpnClientCertificateRevocationList: (input: {
      ClientVpnEndpointId?: string;
      CertificateRevocationList?: string;
    }) => {
      const endpoint = this.endpoint(
        input.ClientVpnEndpointId,
        'ImportClientVpnClientCertificateRevocationList',
      );
      const pem = input.CertificateRevocationList;
      if (!pem) throw missingParameter('CertificateRevocationList');
      let parsed: ParsedCrl;
      try {
        parsed = parseCrl(
          fromPem(pem, 'X509 CRL', 'CertificateRevocationList'),
          'CertificateRevocationList',
          {
            entries: 'serials',
          },
        );
      } catch {
        throw invalidParameter('The certificate revocation list is not a valid PEM-encoded X.509 CRL');
      }
      if (parsed.entryCount > CLIENT_VPN_MAX_CRL_ENTRIES) {
        throw genericFault(
          'ClientVpnCertificateRevocationListLimitExceeded',
          `The certificate revocation list has ${parsed.entryCount} entries; the limit is ${CLIENT_VPN_MAX_CRL_ENTRIES}`,
        );
      }
      const now = this.clock.nowMs();
      endpoint.crls.push({
        pem,
        parsed,
        serials: new Set(parsed.entries.map((e) => e.serial)),
        importedAt: now,
      });
      // Documented: "Uploading a client certificate revocation list resets existing client connections."
      const reset = this.dropAll(
        endpoint,
        endpoint.connections.filter((c) => c.endedAt === undefined),
        now,
      );
      this.crlImports.push({
        endpointId: endpoint.id,
        at: now,
        activeAt: now + this.delays.crlActivation,
        sha256: createHash('sha256').update(pem).digest('hex'),
        crlNumber: parsed.crlNumber?.toString(),
        entries: parsed.entryCount,
        resetConnectionIds: reset,
      });
      return { Return: true };
    },

    ExportClientVpnClientCertificateRevocationList: (input: { ClientVpnEndpointId?: string }) => {
      const endpoint = this.endpoint(
        input.ClientVpnEndpointId,
        'ExportClientVpnClientCertificateRevocationList',
      );
      const latest = endpoint.crls.at(-1);
      if (!latest) return {};
      const active = this.clock.nowMs() >= latest.importedAt + this.delays.crlActivation;
      return {
        CertificateRevocationList: latest.pem,
        Status: active
          ? { Code: 'active', Message: 'The certificate revocation list is active' }
          : { Code: 'pending', Message: 'The certificate revocation list is being applied' },
      };
    },

    DescribeClientVpnConnections: (input: {
      ClientVpnEndpointId?: string;
      Filters?: { Name?: string; Values?: string[] }[];
      MaxResults?: number;
      NextToken?: string;
    }) => {
      const endpoint = this.endpoint(input.ClientVpnEndpointId, 'DescribeClientVpnConnections');
      let list = endpoint.connections;
      for (const filter of input.Filters ?? []) {
        const values = new Set(filter.Values ?? []);
        if (filter.Name === 'connection-id') list = list.filter((c) => values.has(c.id));
        else if (filter.Name === 'username')
          list = list.filter((c) => c.username !== undefined && values.has(c.username));
        else throw genericFault('InvalidFilter', `The filter '${filter.Name}' is invalid`);
      }
      const { page, nextToken } = paginate(list, input.MaxResults, input.NextToken, 5, 1000);
      return {
        Connections: page.map((c) => this.connectionView(c)),
        ...(nextToken ? { NextToken: nextToken } : {}),
      };
    },

    TerminateClientVpnConnections: (input: {
      ClientVpnEndpointId?: string;
      ConnectionId?: string;
      Username?: string;
    }) => {
      const endpoint = this.endpoint(input.ClientVpnEndpointId, 'TerminateClientVpnConnections');
      if ((input.ConnectionId === undefined) === (input.Username === undefined)) {
        throw genericFault(
          'InvalidParameterCombination',
          'Specify either ConnectionId or Username, but not both',
        );
      }
      let targets: Connection[];
      if (input.ConnectionId !== undefined) {
        const connection = endpoint.connections.find((c) => c.id === input.ConnectionId);
        if (!connection) {
          throw genericFault(
            'InvalidClientVpnConnection.IdNotFound',
            `The connection ID '${input.ConnectionId}' does not exist on ${endpoint.id}`,
          );
        }
        targets = [connection];
      } else {
        targets = endpoint.connections.filter(
          (c) => c.username === input.Username && c.endedAt === undefined,
        );
        if (targets.length === 0) {
          throw genericFault(
            'InvalidClientVpnConnection.UserNotFound',
            `The user '${input.Username}' does not have an active connection to ${endpoint.id}`,
          );
        }
      }
      const now = this.clock.nowMs();
      const statuses = targets.map((c) => ({
        ConnectionId: c.id,
        PreviousStatus: { Code: this.statusOf(c) },
      }));
      this.dropAll(
        endpoint,
        targets.filter((c) => c.endedAt === undefined),
        now,
      );
      return {
        ClientVpnEndpointId: endpoint.id,
        ...(input.Username === undefined ? {} : { Username: input.Username }),
        ConnectionStatuses: statuses.map((s, i) => ({
          ...s,
          CurrentStatus: { Code: this.statusOf(targets[i] as Connection) },
        })),
      };
    },
  };

  private createOutput(endpoint: Endpoint) {
    return {
      ClientVpnEndpointId: endpoint.id,
      Status: { Code: this.endpointStatus(endpoint) },
      DnsName: this.dnsName(endpoint),
    };
  }

  private dnsName(endpoint: Endpoint): string {
    return `*.${endpoint.id}.prod.clientvpn.${this.region}.amazonaws.com`;
  }

  private endpointStatus(endpoint: Endpoint): ClientVpnEndpointStatusCode {
    return endpoint.associations.some((a) => this.settled(a, this.delays.association))
      ? 'available'
      : 'pending-associate';
  }

  private endpointView(e: Endpoint) {
    return {
      ClientVpnEndpointId: e.id,
      Description: e.description,
      Status: { Code: this.endpointStatus(e) },
      CreationTime: timestamp(e.createdAt),
      DnsName: this.dnsName(e),
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

  private connectionView(c: Connection) {
    return {
      ClientVpnEndpointId: c.endpointId,
      Timestamp: timestamp(this.clock.nowMs()),
      ConnectionId: c.id,
      ...(c.username === undefined ? {} : { Username: c.username }),
      ConnectionEstablishedTime: timestamp(c.establishedAt),
      IngressBytes: '0',
      EgressBytes: '0',
      IngressPackets: '0',
      EgressPackets: '0',
      ClientIp: c.clientIp,
      CommonName: c.commonName,
      Status: { Code: this.statusOf(c) },
      ...(c.endedAt === undefined ? {} : { ConnectionEndTime: timestamp(c.endedAt) }),
    };
  }

  private statusOf(c: Connection): ClientVpnConnectionStatusCode {
    if (c.endedAt === undefined) return 'active';
    return this.clock.nowMs() < c.endedAt + this.delays.connectionTerminate ? 'terminating' : 'terminated';
  }

  private settled(item: Timed, delay: number): boolean {
    return this.clock.nowMs() >= item.createdAt + delay;
  }

  private activeCrl(endpoint: Endpoint): ImportedCrl | undefined {
    const now = this.clock.nowMs();
    for (let i = endpoint.crls.length - 1; i >= 0; i--) {
      const crl = endpoint.crls[i] as ImportedCrl;
      if (now >= crl.importedAt + this.delays.crlActivation) return crl;
    }
    return undefined;
  }

  /** Ends connections; clients that reconnect by themselves try again at once. Returns the ended IDs. */
  private dropAll(endpoint: Endpoint, connections: Connection[], now: number): string[] {
    for (const c of connections) c.endedAt = now;
    for (const c of connections) if (c.reconnect) this.attempt(endpoint, c.certPem, true, c.username);
    return connections.map((c) => c.id);
  }

  private attempt(
    endpoint: Endpoint,
    certPem: string,
    reconnect: boolean,
    username: string | undefined,
  ): ConnectResult {
    const now = this.clock.nowMs();
    let cert: ParsedCertificate | undefined;
    try {
      cert = parseCertificate(fromPem(certPem, 'CERTIFICATE', 'client certificate'));
    } catch {
      cert = undefined;
    }
    const result = this.admit(endpoint, cert, now);
    this.connectAttempts.push({ endpointId: endpoint.id, commonName: cert?.commonName, at: now, result });
    if (result.connected && cert) {
      endpoint.connections.push({
        id: result.connectionId,
        endpointId: endpoint.id,
        commonName: cert.commonName,
        username,
        serial: cert.serial,
        clientIp: ipText(endpoint.nextClientIp++),
        establishedAt: now,
        certPem,
        reconnect,
      });
    }
    return result;
  }

  private admit(endpoint: Endpoint, cert: ParsedCertificate | undefined, now: number): ConnectResult {
    const refuse = (reason: ConnectRefusal): ConnectResult => ({ connected: false, reason });
    if (this.endpointStatus(endpoint) !== 'available') return refuse('endpoint-unavailable');
    if (!cert) return refuse('certificate-malformed');
    const { ca } = endpoint;
    if (
      !cert.issuer.equals(ca.subject) ||
      !verifySignature(cert.signatureAlgorithm, cert.tbs, ca.publicKey, cert.signature)
    ) {
      return refuse('unknown-ca');
    }
    if (now < cert.notBefore.getTime()) return refuse('certificate-not-yet-valid');
    if (now >= cert.notAfter.getTime()) return refuse('certificate-expired');
    const crl = this.activeCrl(endpoint);
    // A CRL issued by another CA says nothing about this CA's certificates: it does not apply.
    if (crl && crl.parsed.issuer.equals(ca.subject)) {
      if (!crl.parsed.nextUpdate || crl.parsed.nextUpdate.getTime() <= now) return refuse('crl-expired');
      if (crl.serials.has(cert.serial)) return refuse('certificate-revoked');
    }
    return { connected: true, connectionId: this.newId('cvpn-connection') };
  }

  private endpoint(id: string | undefined, command?: string): Endpoint {
    if (!id) throw missingParameter('ClientVpnEndpointId');
    const fault = this.endpointFaults.find((f) => f.endpointId === id && f.command === command && f.left > 0);
    if (fault) {
      fault.left -= 1;
      const status = fault.code.startsWith('Internal') || fault.code === 'Unavailable' ? 500 : 400;
      throw genericFault(fault.code, `sandbox fault injected into EC2.${command} on ${id}`, status);
    }
    const endpoint = this.endpoints.get(id);
    if (!endpoint) {
      throw genericFault(
        'InvalidClientVpnEndpointId.NotFound',
        `The ClientVpnEndpointId '${id}' does not exist`,
      );
    }
    return endpoint;
  }

  private newId(prefix: string): string {
    return `${prefix}-${randomBytes(9).toString('hex').slice(0, 17)}`;
  }
}

/** EC2-style paging: an opaque NextToken (the offset), MaxResults within the documented range. */
function paginate<T>(
  items: readonly T[],
  maxResults: number | undefined,
  nextToken: string | undefined,
  min: number,
  max: number,
): { page: T[]; nextToken: string | undefined } {
  if (maxResults !== undefined && (!Number.isInteger(maxResults) || maxResults < min || maxResults > max)) {
    throw invalidParameter(`MaxResults must be between ${min} and ${max}`);
  }
  let start = 0;
  if (nextToken !== undefined) {
    const decoded = Number(Buffer.from(nextToken, 'base64url').toString('utf8'));
    if (!Number.isInteger(decoded) || decoded < 0 || decoded > items.length) {
      throw genericFault('InvalidPaginationToken', 'The pagination token is invalid or expired');
    }
    start = decoded;
  }
  const size = maxResults ?? max;
  const page = items.slice(start, start + size);
  const end = start + page.length;
  return {
    page,
    nextToken: end < items.length ? Buffer.from(String(end)).toString('base64url') : undefined,
  };
}

/** The certificate list of an EC2 model that runs without the ACM model (unit tests of the model alone). */
function ownCertificateList(region: string, accountId: string): CertificateDirectory {
  const certificates = new Map<string, { pem: string; chainPem: string | undefined }>();
  return {
    adopt(pem, chainPem) {
      parseCertificate(fromPem(pem, 'CERTIFICATE', 'certificate'));
      if (chainPem !== undefined) parseCertificate(fromPem(chainPem, 'CERTIFICATE', 'certificate chain'));
      const arn = `arn:aws:acm:${region}:${accountId}:certificate/${randomUUID()}`;
      certificates.set(arn, { pem, chainPem });
      return arn;
    },
    certificatePem: (arn) => certificates.get(arn)?.pem,
    chainPem: (arn) => certificates.get(arn)?.chainPem,
  };
}

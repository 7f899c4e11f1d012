import { randomBytes, randomUUID } from 'node:crypto';
import type { ClientVpnEndpointStatusCode } from '@aws-sdk/client-ec2';
import { type ParsedCrl } from '../../../../functions/core/pki/crl-verify.js';
import { fromPem } from '../../../../functions/core/pki/pem.js';
import { parseCertificate, type ParsedCertificate } from '../../../../functions/core/pki/x509.js';
import type { SandboxClock } from '../../clock.js';
import type { CertificateDirectory } from '../acm.js';
import { genericFault } from '../../service-error.js';

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

export const DEFAULT_DELAYS: ClientVpnDelays = {
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
  | 'crl-expired'
  /** The CRL in force was not signed by the endpoint's client CA: every client is refused. */
  | 'crl-untrusted';

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

export interface ImportedCrl {
  pem: string;
  parsed: ParsedCrl;
  serials: Set<string>;
  importedAt: number;
}

export interface Connection {
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

export interface Timed {
  createdAt: number;
}

export interface Association extends Timed {
  associationId: string;
  subnetId: string;
}

export interface AuthorizationRule extends Timed {
  targetNetworkCidr: string;
  accessGroupId: string | undefined;
  authorizeAllGroups: boolean;
  description: string | undefined;
}

export interface Route extends Timed {
  destinationCidr: string;
  targetSubnet: string;
  description: string | undefined;
}

export interface Endpoint {
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

export const CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;

export function parseCidr(text: unknown): { base: number; prefix: number } | undefined {
  const m = typeof text === 'string' ? CIDR.exec(text) : null;
  if (!m) return undefined;
  const octets = m.slice(1, 5).map(Number);
  const prefix = Number(m[5]);
  if (octets.some((o) => o > 255) || prefix > 32) return undefined;
  const base = octets.reduce((acc, o) => acc * 256 + o, 0);
  return { base, prefix };
}

export const ipText = (n: number) => [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');

export const invalidParameter = (message: string) => genericFault('InvalidParameterValue', message, 400);
export const missingParameter = (name: string) =>
  genericFault('MissingParameter', `The request must contain the parameter ${name}`, 400);

/** `yyyy-mm-dd hh:mm:ss`, the form Client VPN uses for its timestamps. */
export const timestamp = (ms: number) => new Date(ms).toISOString().slice(0, 19).replace('T', ' ');

/**
 * The account's Client VPN endpoints and what every operation shares: the endpoint lookup (with
 * per-endpoint fault injection), the endpoint's status, the CRL in force and the certificate list
 * the ARNs live in. The operations live in one file per resource (endpoints.ts, associations.ts,
 * authorization-rules.ts, routes.ts, crls.ts, connections.ts).
 */
export class ClientVpnState {
  readonly delays: ClientVpnDelays;
  readonly crlImports: CrlImportRecord[] = [];
  readonly connectAttempts: ConnectAttempt[] = [];
  readonly region: string;
  readonly accountId: string;
  readonly endpoints = new Map<string, Endpoint>();
  readonly certificates: CertificateDirectory;
  readonly endpointFaults: { endpointId: string; command: string; left: number; code: string }[] = [];

  constructor(
    readonly clock: SandboxClock,
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

  dnsName(endpoint: Endpoint): string {
    return `*.${endpoint.id}.prod.clientvpn.${this.region}.amazonaws.com`;
  }

  endpointStatus(endpoint: Endpoint): ClientVpnEndpointStatusCode {
    return endpoint.associations.some((a) => this.settled(a, this.delays.association))
      ? 'available'
      : 'pending-associate';
  }

  settled(item: Timed, delay: number): boolean {
    return this.clock.nowMs() >= item.createdAt + delay;
  }

  activeCrl(endpoint: Endpoint): ImportedCrl | undefined {
    const now = this.clock.nowMs();
    for (let i = endpoint.crls.length - 1; i >= 0; i--) {
      const crl = endpoint.crls[i] as ImportedCrl;
      if (now >= crl.importedAt + this.delays.crlActivation) return crl;
    }
    return undefined;
  }

  endpoint(id: string | undefined, command?: string): Endpoint {
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

  newId(prefix: string): string {
    return `${prefix}-${randomBytes(9).toString('hex').slice(0, 17)}`;
  }
}

/** EC2-style paging: an opaque NextToken (the offset), MaxResults within the documented range. */
export function paginate<T>(
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
export function ownCertificateList(region: string, accountId: string): CertificateDirectory {
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

import type { ClientVpnConnectionStatusCode } from '@aws-sdk/client-ec2';
import { fromPem } from '../../../../functions/core/pki/pem.js';
import {
  parseCertificate,
  verifySignature,
  type ParsedCertificate,
} from '../../../../functions/core/pki/x509.js';
import { genericFault } from '../../service-error.js';
import {
  ClientVpnState,
  ipText,
  timestamp,
  paginate,
  type Endpoint,
  type Connection,
  type ConnectResult,
  type ConnectRefusal,
} from './state.js';

/** DescribeClientVpnConnections, TerminateClientVpnConnections. */
export function connectionCommands(s: ClientVpnState) {
  return {
    DescribeClientVpnConnections: (input: {
      ClientVpnEndpointId?: string;
      Filters?: { Name?: string; Values?: string[] }[];
      MaxResults?: number;
      NextToken?: string;
    }) => {
      const endpoint = s.endpoint(input.ClientVpnEndpointId, 'DescribeClientVpnConnections');
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
        Connections: page.map((c) => connectionView(s, c)),
        ...(nextToken ? { NextToken: nextToken } : {}),
      };
    },

    TerminateClientVpnConnections: (input: {
      ClientVpnEndpointId?: string;
      ConnectionId?: string;
      Username?: string;
    }) => {
      const endpoint = s.endpoint(input.ClientVpnEndpointId, 'TerminateClientVpnConnections');
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
      const now = s.clock.nowMs();
      const statuses = targets.map((c) => ({
        ConnectionId: c.id,
        PreviousStatus: { Code: statusOf(s, c) },
      }));
      dropAll(
        s,
        endpoint,
        targets.filter((c) => c.endedAt === undefined),
        now,
      );
      return {
        ClientVpnEndpointId: endpoint.id,
        ...(input.Username === undefined ? {} : { Username: input.Username }),
        ConnectionStatuses: statuses.map((status, i) => ({
          ...status,
          CurrentStatus: { Code: statusOf(s, targets[i] as Connection) },
        })),
      };
    },
  };
}

/**
 * A simulated client (OpenVPN with a client certificate) connects. With `reconnect`, it connects
 * again by itself each time its connection is dropped (an import reset or a termination), as
 * OpenVPN clients do; a refused reconnect ends that.
 */
export function connectClient(
  s: ClientVpnState,
  endpointId: string,
  certPem: string,
  options: { reconnect?: boolean; username?: string } = {},
): ConnectResult {
  const endpoint = s.endpoint(endpointId);
  return attempt(s, endpoint, certPem, options.reconnect ?? false, options.username);
}

/** Every connection of an endpoint, oldest first (simulation view, with times in ms). */
export function listConnections(
  s: ClientVpnState,
  endpointId: string,
): {
  connectionId: string;
  commonName: string | undefined;
  establishedAt: number;
  endedAt: number | undefined;
}[] {
  return s.endpoint(endpointId).connections.map((c) => ({
    connectionId: c.id,
    commonName: c.commonName,
    establishedAt: c.establishedAt,
    endedAt: c.endedAt,
  }));
}

function connectionView(s: ClientVpnState, c: Connection) {
  return {
    ClientVpnEndpointId: c.endpointId,
    Timestamp: timestamp(s.clock.nowMs()),
    ConnectionId: c.id,
    ...(c.username === undefined ? {} : { Username: c.username }),
    ConnectionEstablishedTime: timestamp(c.establishedAt),
    IngressBytes: '0',
    EgressBytes: '0',
    IngressPackets: '0',
    EgressPackets: '0',
    ClientIp: c.clientIp,
    CommonName: c.commonName,
    Status: { Code: statusOf(s, c) },
    ...(c.endedAt === undefined ? {} : { ConnectionEndTime: timestamp(c.endedAt) }),
  };
}

function statusOf(s: ClientVpnState, c: Connection): ClientVpnConnectionStatusCode {
  if (c.endedAt === undefined) return 'active';
  return s.clock.nowMs() < c.endedAt + s.delays.connectionTerminate ? 'terminating' : 'terminated';
}

/** Ends connections; clients that reconnect by themselves try again at once. Returns the ended IDs. */
export function dropAll(
  s: ClientVpnState,
  endpoint: Endpoint,
  connections: Connection[],
  now: number,
): string[] {
  for (const c of connections) c.endedAt = now;
  for (const c of connections) if (c.reconnect) attempt(s, endpoint, c.certPem, true, c.username);
  return connections.map((c) => c.id);
}

function attempt(
  s: ClientVpnState,
  endpoint: Endpoint,
  certPem: string,
  reconnect: boolean,
  username: string | undefined,
): ConnectResult {
  const now = s.clock.nowMs();
  let cert: ParsedCertificate | undefined;
  try {
    cert = parseCertificate(fromPem(certPem, 'CERTIFICATE', 'client certificate'));
  } catch {
    cert = undefined;
  }
  const result = admit(s, endpoint, cert, now);
  s.connectAttempts.push({ endpointId: endpoint.id, commonName: cert?.commonName, at: now, result });
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

function admit(
  s: ClientVpnState,
  endpoint: Endpoint,
  cert: ParsedCertificate | undefined,
  now: number,
): ConnectResult {
  const refuse = (reason: ConnectRefusal): ConnectResult => ({ connected: false, reason });
  if (s.endpointStatus(endpoint) !== 'available') return refuse('endpoint-unavailable');
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
  const crl = s.activeCrl(endpoint);
  if (crl) {
    // A CRL the client CA did not sign (another issuer, or the same name and another key): the
    // server finds no valid CRL for the client's issuer and, with OpenVPN's OpenSSL backend,
    // fails every client's verification. Modelled conservatively: everyone is refused.
    if (
      !crl.parsed.issuer.equals(ca.subject) ||
      !verifySignature(crl.parsed.signatureAlgorithm, crl.parsed.tbs, ca.publicKey, crl.parsed.signature)
    ) {
      return refuse('crl-untrusted');
    }
    if (!crl.parsed.nextUpdate || crl.parsed.nextUpdate.getTime() <= now) return refuse('crl-expired');
    if (crl.serials.has(cert.serial)) return refuse('certificate-revoked');
  }
  return { connected: true, connectionId: s.newId('cvpn-connection') };
}

import type { ServiceModel } from '../../sandbox.js';
import { associationCommands } from './associations.js';
import { authorizationRuleCommands } from './authorization-rules.js';
import { connectClient, connectionCommands, listConnections } from './connections.js';
import { crlCommands } from './crls.js';
import { endpointCommands, seedEndpoint } from './endpoints.js';
import { routeCommands } from './routes.js';
import { ClientVpnState, type SeedEndpointOptions } from './state.js';

export type {
  ClientVpnDelays,
  ConnectAttempt,
  ConnectRefusal,
  ConnectResult,
  CrlImportRecord,
  Ec2ClientVpnModelOptions,
  SeedEndpointOptions,
} from './state.js';

/**
 * AWS Client VPN (EC2 API) as documented: endpoints with mutual TLS authentication, target network
 * associations, authorization rules, routes; a CRL import replaces the CRL, is `pending` and then
 * `active`, and resets every client connection of the endpoint; connections are listed (paged) and
 * terminated by ID or user name. EC2 has no modelled exception classes: errors carry EC2's
 * documented codes (`InvalidClientVpnEndpointId.NotFound`, ...). One file per resource:
 * endpoints.ts, associations.ts, authorization-rules.ts, routes.ts, crls.ts, connections.ts.
 *
 * Certificate ARNs are ACM's (local/sandbox/models/acm.ts): `registerCertificate(pem)` puts a
 * certificate there without its key and returns the ARN `CreateClientVpnEndpoint` takes.
 * Simulated clients (`connectClient`) connect only with a certificate signed by the endpoint's
 * client CA, within its validity, not revoked by the CRL in force; nobody connects while that CRL
 * has expired, nor while it was signed by another CA (OpenVPN's OpenSSL backend then fails every
 * client's verification).
 */
export class Ec2ClientVpnModel extends ClientVpnState implements ServiceModel {
  readonly serviceId = 'EC2';

  readonly commands = {
    ...endpointCommands(this),
    ...associationCommands(this),
    ...authorizationRuleCommands(this),
    ...routeCommands(this),
    ...crlCommands(this),
    ...connectionCommands(this),
  };

  /** An `available` endpoint (associated, authorized, routed) whose client CA is `caCertPem`. */
  seedEndpoint(options: SeedEndpointOptions): string {
    return seedEndpoint(this, options);
  }

  /**
   * A simulated client (OpenVPN with a client certificate) connects. With `reconnect`, it connects
   * again by itself each time its connection is dropped (an import reset or a termination), as
   * OpenVPN clients do; a refused reconnect ends that.
   */
  connectClient(...args: Parameters<typeof connectClient> extends [unknown, ...infer R] ? R : never) {
    return connectClient(this, ...args);
  }

  /** Every connection of an endpoint, oldest first (simulation view, with times in ms). */
  connections(endpointId: string) {
    return listConnections(this, endpointId);
  }

  /** The endpoint's CRL in force now (the newest import that is active), as PEM. */
  crlInForce(endpointId: string): string | undefined {
    return this.activeCrl(this.endpoint(endpointId))?.pem;
  }
}

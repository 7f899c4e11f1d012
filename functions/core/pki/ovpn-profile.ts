import { ValidationError } from '../errors.js';

export interface OvpnProfileInput {
  /** The Client VPN endpoint DNS name, e.g. cvpn-endpoint-0123.prod.clientvpn.us-east-1.amazonaws.com. */
  readonly remote: string;
  readonly port?: number;
  readonly protocol?: 'udp' | 'tcp';
  readonly caPem: string;
  readonly certPem: string;
  /** The client's private key PEM; the profile is the only place it is delivered. */
  readonly keyPem: string;
}

const HOST = /^\*?\.?[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)+$/;

/**
 * The client configuration AWS Client VPN exports, with the certificate and key inlined as the
 * Client VPN docs' "client configuration" step describes (<cert>/<key> appended to the file).
 */
export function buildOvpnProfile(input: OvpnProfileInput): string {
  const remote = input.remote.replace(/^\*\./, '');
  if (!HOST.test(remote)) throw new ValidationError('must be the endpoint DNS name', 'remote');
  const port = input.port ?? 443;
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw new ValidationError('must be 1-65535', 'port');
  const block = (tag: string, pem: string): string => `<${tag}>\n${pem.trim()}\n</${tag}>\n`;
  return (
    [
      'client',
      'dev tun',
      `proto ${input.protocol ?? 'udp'}`,
      `remote ${remote} ${port}`,
      'remote-random-hostname',
      'resolv-retry infinite',
      'nobind',
      'remote-cert-tls server',
      'cipher AES-256-GCM',
      'verb 3',
      '',
    ].join('\n') +
    block('ca', input.caPem) +
    block('cert', input.certPem) +
    block('key', input.keyPem) +
    '\nreneg-sec 0\n'
  );
}

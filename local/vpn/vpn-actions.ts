import { chmod, mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { CachegateError, ValidationError } from '../../functions/core/errors.js';
import { validateCommonName } from '../../functions/core/pki/ca-operations.js';
import { buildOvpnProfile } from '../../functions/core/pki/ovpn-profile.js';
import { EasyRsaStore, exists, writeFileAtomic } from '../pki/easyrsa-store.js';
import { issueCert } from '../pki/pki-actions.js';
import { CLIENT_VPN_ENDPOINT_ID, describeClientVpnEndpoint } from './client-vpn-endpoint.js';
import { readVpnCertificate } from './store-certificate.js';

const out = (line: string): void => {
  process.stdout.write(`${line}\n`);
};

/** The AWS Client VPN guide names its server certificate `server` (easy-rsa build-server-full server). */
export const DEFAULT_SERVER_CN = 'server';

export interface BootstrapOptions {
  store: string;
  serverCn?: string;
  days?: string;
  json?: boolean;
}

export interface BootstrapResult {
  serverCn: string;
  issued: boolean;
  certificate: string;
  privateKey: string;
  certificateChain: string;
  importCommand: string;
}

/**
 * Issues (or reuses) the Client VPN server certificate and stages it in `<store>/acm/` for the
 * operator's `aws acm import-certificate`. Only the server certificate, its key and the CA
 * *certificate* are staged; the CA key stays in private/ca.key. Nothing here goes into a
 * CloudFormation template or a CDK asset: the stack receives the ACM ARN through its config.
 */
export async function bootstrapVpn(
  options: BootstrapOptions,
  log: (line: string) => void = out,
): Promise<BootstrapResult> {
  const serverCn = validateCommonName(options.serverCn ?? DEFAULT_SERVER_CN, 'server-cn');
  const store = new EasyRsaStore(options.store);
  await store.readCa();
  const issued = !(await exists(store.path('issued', `${serverCn}.crt`)));
  if (issued) {
    await issueCert({
      store: options.store,
      cn: serverCn,
      server: true,
      ...(options.days === undefined ? {} : { days: options.days }),
    });
  } else if (options.days !== undefined) {
    throw new ValidationError(
      `issued/${serverCn}.crt already exists and is reused; --days applies only to a new certificate`,
      'days',
    );
  }
  let server;
  try {
    server = await readVpnCertificate(store, serverCn, 'server', 'server-cn', new Date());
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    throw new ValidationError(
      `${error.message.replace(/^server-cn: /, '')}; revoke it ("cachegate cert revoke --store ${options.store} --cn ${serverCn} --reason superseded") and run bootstrap again`,
      'server-cn',
    );
  }
  const dir = store.path('acm');
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700);
  const paths = {
    certificate: join(dir, 'server.crt'),
    privateKey: join(dir, 'server.key'),
    certificateChain: join(dir, 'ca-chain.crt'),
  };
  await writeFileAtomic(paths.certificate, server.certPem);
  await writeFileAtomic(paths.privateKey, server.keyPem, 0o600);
  await writeFileAtomic(paths.certificateChain, server.caPem);
  const abs = (p: string): string => `fileb://${resolve(p)}`;
  const importCommand = [
    'aws acm import-certificate',
    `--certificate ${abs(paths.certificate)}`,
    `--private-key ${abs(paths.privateKey)}`,
    `--certificate-chain ${abs(paths.certificateChain)}`,
  ].join(' ');
  const result: BootstrapResult = { serverCn, issued, ...paths, importCommand };
  if (options.json) {
    log(JSON.stringify(result, null, 2));
    return result;
  }
  if (!issued) log(`using the existing server certificate issued/${serverCn}.crt (valid, not revoked)`);
  log(`staged for ACM in ${dir} (mode 0700):`);
  log(`  server.crt     server certificate CN=${serverCn}`);
  log(`  server.key     its private key (mode 0600)`);
  log(`  ca-chain.crt   the CA certificate (the CA key is not staged)`);
  log('import it (add --region; to renew later, add --certificate-arn <arn> to keep the same ARN):');
  log(`  ${importCommand}`);
  log('then set vpnAccess.serverCertificateArn in the deployment config to the CertificateArn it prints,');
  log(`and delete ${paths.privateKey} (a copy stays in private/${serverCn}.key).`);
  return result;
}

export interface ProfileOptions {
  store: string;
  cn: string;
  endpoint: string;
  out: string;
  dnsName?: string;
  region?: string;
}

export interface ProfileResult {
  path: string;
  remote: string;
  port: number;
  protocol: 'udp' | 'tcp';
  endpointStatus: string | undefined;
}

/**
 * Writes the client's `.ovpn` (mode 0600): the endpoint's DNS name, protocol and port (from EC2,
 * or `dnsName` with the Client VPN defaults), the CA, and the client's certificate and key.
 * Everything is checked before the file is written.
 */
export async function writeVpnProfile(options: ProfileOptions): Promise<ProfileResult> {
  if (!CLIENT_VPN_ENDPOINT_ID.test(options.endpoint)) {
    throw new ValidationError('must be a Client VPN endpoint ID (cvpn-endpoint-...)', 'endpoint');
  }
  if (options.dnsName !== undefined && !options.dnsName.includes(options.endpoint)) {
    throw new ValidationError(
      `must be the DNS name of ${options.endpoint} (it names the endpoint ID)`,
      'dns-name',
    );
  }
  const store = new EasyRsaStore(options.store);
  const client = await readVpnCertificate(store, options.cn, 'client', 'cn', new Date());
  const endpoint =
    options.dnsName === undefined
      ? await describeClientVpnEndpoint(options.endpoint, options.region)
      : {
          dnsName: options.dnsName,
          status: undefined,
          transportProtocol: 'udp' as const,
          vpnPort: 443,
        };
  let profile: string;
  try {
    profile = buildOvpnProfile({
      remote: endpoint.dnsName,
      port: endpoint.vpnPort,
      protocol: endpoint.transportProtocol,
      caPem: client.caPem,
      certPem: client.certPem,
      keyPem: client.keyPem,
    });
  } catch (error) {
    if (error instanceof ValidationError && error.field === 'remote') {
      throw new ValidationError(
        'must be the endpoint DNS name',
        options.dnsName === undefined ? 'endpoint' : 'dns-name',
      );
    }
    throw error;
  }
  const path = resolve(options.out);
  try {
    await writeFileAtomic(path, profile, 0o600);
  } catch (error) {
    throw new CachegateError(
      'WRITE_FAILED',
      `cannot write ${path}: ${(error as NodeJS.ErrnoException).code}`,
      {
        cause: error,
      },
    );
  }
  return {
    path,
    remote: endpoint.dnsName.replace(/^\*\./, ''),
    port: endpoint.vpnPort,
    protocol: endpoint.transportProtocol,
    endpointStatus: endpoint.status,
  };
}

export async function profileCommand(options: ProfileOptions): Promise<void> {
  const result = await writeVpnProfile(options);
  out(`wrote ${result.path} (mode 0600) for CN=${options.cn}`);
  out(`  remote ${result.remote} ${result.port} (${result.protocol})`);
  if (result.endpointStatus !== undefined && result.endpointStatus !== 'available') {
    process.stderr.write(
      `cachegate: warning: ${options.endpoint} is ${result.endpointStatus}; clients connect once it is available\n`,
    );
  }
  out('  the file holds the private key: hand it over over a private channel and delete this copy');
}

import { chmod, mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { CachegateError, ValidationError } from '../../../functions/core/errors.js';
import { validateCommonName } from '../../../functions/core/pki/ca-operations.js';
import { buildOvpnProfile } from '../../../functions/core/pki/ovpn-profile.js';
import { EasyRsaStore, exists, writeFileAtomic } from '../pki/easyrsa-store.js';
import { issueCert } from '../pki/pki-actions.js';
import { CLIENT_VPN_ENDPOINT_ID, describeClientVpnEndpoint } from './client-vpn-endpoint.js';
import { parseClientSecretId, readSecretCertificate } from './secret-certificate.js';
import { bootstrapFromStackCa, initStackCa, regionOfArn, type StackBootstrapResult } from './stack-ca.js';
import { readVpnCertificate, type StoreCertificate } from './store-certificate.js';

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
  /** Certificate source: an easy-rsa layout store (with `cn`), or the issue-certificate workflow's `secret`. */
  store?: string;
  cn?: string;
  /** ARN (or name `cachegate/vpn-client/<cn>`) of the secret the issue-certificate workflow wrote. */
  secret?: string;
  endpoint: string;
  out: string;
  dnsName?: string;
  region?: string;
  /** When the certificate must be valid. Default: now. */
  now?: Date;
}

export interface ProfileResult {
  path: string;
  cn: string;
  remote: string;
  port: number;
  protocol: 'udp' | 'tcp';
  endpointStatus: string | undefined;
}

/** The client certificate, key and CA from the store or the workflow's secret, checked. */
async function profileCertificate(
  options: ProfileOptions,
  region: string | undefined,
): Promise<StoreCertificate> {
  if (options.secret !== undefined) {
    if (options.store !== undefined) {
      throw new ValidationError('give either --store (with --cn) or --secret, not both', 'secret');
    }
    const { secretId } = parseClientSecretId(options.secret, 'secret');
    return readSecretCertificate({
      secretId,
      ...(region === undefined ? {} : { region }),
      ...(options.cn === undefined ? {} : { expectedCn: validateCommonName(options.cn, 'cn') }),
      now: options.now ?? new Date(),
      field: 'secret',
    });
  }
  if (options.store === undefined) {
    throw new ValidationError('give --store <dir> --cn <cn>, or --secret <arn>', 'store');
  }
  if (options.cn === undefined) throw new ValidationError('is required with --store', 'cn');
  return readVpnCertificate(
    new EasyRsaStore(options.store),
    options.cn,
    'client',
    'cn',
    options.now ?? new Date(),
  );
}

/**
 * Writes the client's `.ovpn` (mode 0600): the endpoint's DNS name, protocol and port (from EC2,
 * or `dnsName` with the Client VPN defaults), the CA, and the client's certificate and key — from
 * an easy-rsa store, or from the secret the issue-certificate workflow stored them in (its `<ca>`
 * is then the stack's CA, which also issues the server certificate: docs/vpn-access.md).
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
  // A secret ARN names the stack's region: the endpoint is looked up there unless --region says otherwise.
  const region =
    options.region ??
    (options.secret === undefined ? undefined : parseClientSecretId(options.secret, 'secret').region);
  const client = await profileCertificate(options, region);
  const endpoint =
    options.dnsName === undefined
      ? await describeClientVpnEndpoint(options.endpoint, region)
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
    cn: client.cn,
    remote: endpoint.dnsName.replace(/^\*\./, ''),
    port: endpoint.vpnPort,
    protocol: endpoint.transportProtocol,
    endpointStatus: endpoint.status,
  };
}

export async function profileCommand(options: ProfileOptions): Promise<void> {
  const result = await writeVpnProfile(options);
  out(`wrote ${result.path} (mode 0600) for CN=${result.cn}`);
  out(`  remote ${result.remote} ${result.port} (${result.protocol})`);
  if (result.endpointStatus !== undefined && result.endpointStatus !== 'available') {
    process.stderr.write(
      `cachegate: warning: ${options.endpoint} is ${result.endpointStatus}; clients connect once it is available\n`,
    );
  }
  out('  the file holds the private key: hand it over over a private channel and delete this copy');
}

const parseDays = (text: string | undefined, max: number): number | undefined => {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text) || Number(text) < 1 || Number(text) > max) {
    throw new ValidationError(`must be a whole number of days between 1 and ${max}`, 'days');
  }
  return Number(text);
};

/** The stack's region: --region, else AWS_REGION, else the region the key ARN names. */
function useStackRegion(region: string | undefined, kmsKeyArn: string): void {
  const chosen = region ?? process.env.AWS_REGION ?? regionOfArn(kmsKeyArn);
  if (chosen !== undefined) process.env.AWS_REGION = chosen;
}

export interface CaInitCommandOptions {
  kmsKeyArn: string;
  caSecretArn: string;
  cn?: string;
  days?: string;
  region?: string;
}

/** `vpn ca-init`: the stack CA's certificate, signed by its KMS key, into its certificate secret. */
export async function caInitCommand(
  options: CaInitCommandOptions,
  log: (line: string) => void = out,
): Promise<void> {
  useStackRegion(options.region, options.kmsKeyArn);
  const days = parseDays(options.days, 7300);
  const result = await initStackCa({
    kmsKeyArn: options.kmsKeyArn,
    caSecretArn: options.caSecretArn,
    cn: options.cn ?? DEFAULT_STACK_CA_CN,
    ...(days === undefined ? {} : { days }),
    now: new Date(),
  });
  log(
    result.created
      ? `stored a new CA certificate (signed by ${options.kmsKeyArn}, valid until ${result.notAfter}) in ${options.caSecretArn}`
      : `${options.caSecretArn} already holds the CA certificate over this key (valid until ${result.notAfter}): unchanged`,
  );
  log(
    `next: cachegate vpn bootstrap --ca-secret-arn ${options.caSecretArn} --kms-key-arn ${options.kmsKeyArn} --table <CERTIFICATES_TABLE> --out ./acm`,
  );
}

/** The CN of the stack CA's certificate when `vpn ca-init` is not given one. */
export const DEFAULT_STACK_CA_CN = 'cachegate Client VPN CA';

export interface StackBootstrapCommandOptions {
  caSecretArn: string;
  kmsKeyArn: string;
  table: string;
  out: string;
  serverCn?: string;
  days?: string;
  region?: string;
  json?: boolean;
}

/** `vpn bootstrap --ca-secret-arn ...`: the server certificate from the stack's CA, staged for ACM. */
export async function stackBootstrapCommand(
  options: StackBootstrapCommandOptions,
  log: (line: string) => void = out,
): Promise<StackBootstrapResult> {
  useStackRegion(options.region, options.kmsKeyArn);
  const days = parseDays(options.days, 3650);
  const result = await bootstrapFromStackCa({
    kmsKeyArn: options.kmsKeyArn,
    caSecretArn: options.caSecretArn,
    table: options.table,
    out: options.out,
    ...(options.serverCn === undefined ? {} : { serverCn: options.serverCn }),
    ...(days === undefined ? {} : { days }),
    now: new Date(),
  });
  if (options.json) {
    log(JSON.stringify(result, null, 2));
    return result;
  }
  log(
    `issued the server certificate CN=${result.serverCn} (serial ${result.serial}) from the stack's CA (KMS signed it)`,
  );
  log(`staged for ACM in ${resolve(options.out)} (mode 0700):`);
  log(`  server.crt     server certificate, recorded in ${options.table}`);
  log(`  server.key     its private key (mode 0600), generated here`);
  log(`  ca-chain.crt   the stack's CA certificate (the CA key stays in KMS)`);
  log('import it (add --region; to renew later, add --certificate-arn <arn> to keep the same ARN):');
  log(`  ${result.importCommand}`);
  log('then set vpnAccess.serverCertificateArn in the deployment config to the CertificateArn it prints:');
  log(
    'the endpoint then trusts the stack CA for client certificates too (one CA for server, clients and CRLs),',
  );
  log(`and delete ${result.privateKey} once imported.`);
  return result;
}

export type BootstrapCommandOptions = Partial<StackBootstrapCommandOptions> & Partial<BootstrapOptions>;

/** `vpn bootstrap`: from the stack's CA (`--ca-secret-arn`, the deployed setup) or from a CA store. */
export async function bootstrapCommand(options: BootstrapCommandOptions): Promise<void> {
  const { store, caSecretArn, kmsKeyArn, table, out: outDir, region, ...common } = options;
  if (caSecretArn === undefined) {
    if (store === undefined) {
      throw new ValidationError(
        "give --ca-secret-arn, --kms-key-arn, --table and --out (the deployed stack's CA), or --store <dir>",
        'store',
      );
    }
    const stackOnly = { kmsKeyArn, table, out: outDir, region };
    const given = Object.entries(stackOnly).find(([, v]) => v !== undefined)?.[0];
    if (given !== undefined) {
      throw new ValidationError(
        'applies only with --ca-secret-arn',
        given.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`),
      );
    }
    await bootstrapVpn({ store, ...common });
    return;
  }
  if (store !== undefined)
    throw new ValidationError('give either --store or --ca-secret-arn, not both', 'store');
  for (const [field, value] of [
    ['kms-key-arn', kmsKeyArn],
    ['table', table],
    ['out', outDir],
  ] as const) {
    if (value === undefined) throw new ValidationError('is required with --ca-secret-arn', field);
  }
  await stackBootstrapCommand({
    caSecretArn,
    kmsKeyArn: kmsKeyArn as string,
    table: table as string,
    out: outDir as string,
    ...(region === undefined ? {} : { region }),
    ...common,
  });
}

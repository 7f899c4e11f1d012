import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateSecretCommand,
  GetSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { createAwsClient } from '../../../functions/aws/clients.js';
import { DynamoDbCertIndex } from '../../../functions/aws/dynamodb-cert-index.js';
import { kmsPublicKey } from '../../../functions/aws/kms-ca-signer.js';
import { CERTIFICATES_TABLE } from '../../../functions/aws/table-definitions.js';
import { ConflictError, NotFoundError, ValidationError } from '../../../functions/core/errors.js';
import { createSandbox, type Sandbox } from '../../../local/sandbox/index.js';
import type { Ec2ClientVpnModel } from '../../../local/sandbox/models/ec2-client-vpn/index.js';
import type { EventBridgeModel } from '../../../local/sandbox/models/eventbridge.js';
import { createTables } from '../../../local/sandbox/tables.js';
import { initStackCa } from '../../../bin/cli/vpn/stack-ca.js';
import {
  bootstrapCommand,
  caInitCommand,
  stackBootstrapCommand,
  writeVpnProfile,
} from '../../../bin/cli/vpn/vpn-actions.js';
import { deployedCa, issueClientCertificate, type DeployedCa } from './stack-ca-fixture.js';

let sandbox: Sandbox;
let ca: DeployedCa;
let root: string;
let secrets: SecretsManagerClient;
const table = CERTIFICATES_TABLE.localName;
const quiet = () => undefined;
const read = (path: string): string => readFileSync(path, 'utf8');
const mode = (path: string): number => statSync(path).mode & 0o777;
const secretValue = async (arn: string) =>
  (await secrets.send(new GetSecretValueCommand({ SecretId: arn }))).SecretString as string;
const savedRegion = process.env.AWS_REGION;

beforeAll(async () => {
  jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
  // Real time (issue-certificate has no Wait state): certificates are valid from the real "now".
  sandbox = await createSandbox({ speed: 1 });
  await createTables();
  secrets = createAwsClient(SecretsManagerClient, {});
  ca = await deployedCa();
  root = mkdtempSync(join(tmpdir(), 'cachegate-stack-ca-'));
});

afterAll(async () => {
  jest.restoreAllMocks();
  delete process.env.CA_KMS_KEY_ARN;
  delete process.env.CA_CERT_SECRET_ARN;
  if (savedRegion === undefined) delete process.env.AWS_REGION;
  else process.env.AWS_REGION = savedRegion;
  await sandbox.close();
});

describe('vpn ca-init', () => {
  it("replaces CDK's placeholder with a CA certificate self-signed by the KMS key", async () => {
    await caInitCommand({ ...ca, cn: 'Example VPN CA' }, quiet);
    const cert = new X509Certificate(await secretValue(ca.caSecretArn));
    expect(cert.subject).toBe('CN=Example VPN CA');
    expect(cert.ca).toBe(true);
    expect(cert.verify(cert.publicKey)).toBe(true);
    const kmsKey = (await kmsPublicKey(ca.kmsKeyArn)).toString('base64');
    expect(cert.publicKey.export({ type: 'spki', format: 'der' }).toString('base64')).toBe(kmsKey);
  });

  it('keeps the certificate on a second run', async () => {
    const before = await secretValue(ca.caSecretArn);
    const again = await initStackCa({ ...ca, cn: 'Another name', now: new Date() });
    expect(again.created).toBe(false);
    expect(await secretValue(ca.caSecretArn)).toBe(before);
  });

  it('never replaces a CA certificate over another key', async () => {
    const other = await deployedCa();
    await initStackCa({ ...other, cn: 'Other CA', now: new Date() });
    await expect(
      initStackCa({ ...ca, caSecretArn: other.caSecretArn, cn: 'X', now: new Date() }),
    ).rejects.toThrow(/^ca-secret-arn: .* already holds a CA certificate over another key/);
  });

  it.each([
    [{ kmsKeyArn: 'alias/ca' }, 'kms-key-arn: must be the ARN of a KMS key'],
    [{ caSecretArn: 'ca-secret' }, 'ca-secret-arn: must be the ARN of a Secrets Manager secret'],
    [{ days: '0' }, 'days: must be a whole number of days between 1 and 7300'],
    [{ cn: 'a/b' }, 'cn: must be 1-64 printable characters'],
  ])('refuses %p', async (override, message) => {
    await expect(caInitCommand({ ...ca, ...override }, quiet)).rejects.toThrow(message);
  });
});

describe('vpn bootstrap from the stack CA', () => {
  let staged: Awaited<ReturnType<typeof stackBootstrapCommand>>;
  let caPem: string;

  beforeAll(async () => {
    caPem = await secretValue(ca.caSecretArn);
    staged = await stackBootstrapCommand({ ...ca, table, out: join(root, 'acm') }, quiet);
  });

  it('issues the server certificate from the stack CA (KMS-signed) and stages it for ACM', () => {
    expect(mode(join(root, 'acm'))).toBe(0o700);
    expect(mode(staged.privateKey)).toBe(0o600);
    const cert = new X509Certificate(read(staged.certificate));
    const caCert = new X509Certificate(caPem);
    expect(cert.subject).toBe('CN=server');
    expect(cert.keyUsage).toContain('1.3.6.1.5.5.7.3.1');
    expect(cert.checkIssued(caCert) && cert.verify(caCert.publicKey)).toBe(true);
    expect(cert.checkPrivateKey(createPrivateKey(read(staged.privateKey)))).toBe(true);
    expect(read(staged.certificateChain)).toBe(caPem);
    expect(staged.importCommand).toBe(
      `aws acm import-certificate --certificate fileb://${staged.certificate} --private-key fileb://${staged.privateKey} --certificate-chain fileb://${staged.certificateChain}`,
    );
  });

  it('records it in the stack index, so it can be revoked and no client certificate takes its name', async () => {
    const entry = (await new DynamoDbCertIndex().entries()).find((e) => e.serial === staged.serial);
    expect(entry).toMatchObject({ status: 'V', commonName: 'server' });
  });

  it('refuses a second server certificate while the first is valid, with the renewal steps, staging nothing', async () => {
    const out = join(root, 'second');
    const error = await stackBootstrapCommand({ ...ca, table, out }, quiet).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConflictError);
    expect((error as Error).message).toMatch(
      /a valid certificate for CN "server" already exists: to renew, revoke it \("cachegate revoke --cn server --reason superseded/,
    );
    expect(existsSync(out)).toBe(false);
  });

  it('frees the name when signing fails, and a retry succeeds', async () => {
    const out = join(root, 'retry');
    sandbox.faults.inject({ service: 'KMS', command: 'Sign', mode: 'throw' });
    await expect(
      stackBootstrapCommand({ ...ca, table, out, serverCn: 'vpn.example.com' }, quiet),
    ).rejects.toThrow();
    expect(existsSync(join(out, 'server.key'))).toBe(false);
    const retried = await stackBootstrapCommand({ ...ca, table, out, serverCn: 'vpn.example.com' }, quiet);
    expect(new X509Certificate(read(retried.certificate)).subject).toBe('CN=vpn.example.com');
  });

  it('refuses a KMS key that is not the CA certificate’s, and a secret not filled by ca-init', async () => {
    const other = await deployedCa();
    await expect(
      stackBootstrapCommand({ ...ca, kmsKeyArn: other.kmsKeyArn, table, out: join(root, 'x') }, quiet),
    ).rejects.toThrow(/^kms-key-arn: the CA certificate in .* is not over the key/);
    await expect(stackBootstrapCommand({ ...other, table, out: join(root, 'y') }, quiet)).rejects.toThrow(
      /holds no CA certificate yet; fill it first with "cachegate vpn ca-init/,
    );
    expect(existsSync(join(root, 'x'))).toBe(false);
  });

  it.each([
    [
      {},
      "store: give --ca-secret-arn, --kms-key-arn, --table and --out (the deployed stack's CA), or --store <dir>",
    ],
    [{ caSecretArn: 'x', store: './pki' }, 'store: give either --store or --ca-secret-arn, not both'],
    [{ caSecretArn: 'x', out: 'o', table: 't' }, 'kms-key-arn: is required with --ca-secret-arn'],
    [{ store: './pki', kmsKeyArn: 'k' }, 'kms-key-arn: applies only with --ca-secret-arn'],
  ])('checks which options go together: %p', async (options, message) => {
    await expect(bootstrapCommand(options)).rejects.toThrow(new ValidationError(message));
  });
});

describe('vpn profile --secret (certificate from the issue-certificate workflow)', () => {
  const endpoint = 'cvpn-endpoint-0123456789abcdef0';
  const dnsName = `*.${endpoint}.prod.clientvpn.eu-west-1.amazonaws.com`;
  let issued: { secretArn: string; serial: string };
  let stored: { certificatePem: string; privateKeyPem: string; caCertificatePem: string };

  beforeAll(async () => {
    issued = await issueClientCertificate(sandbox, ca, 'alice');
    stored = JSON.parse(await secretValue(issued.secretArn)) as typeof stored;
  });

  it("writes the profile (0600): alice's certificate and key from the secret, the stack CA as <ca>", async () => {
    const out = join(root, 'alice.ovpn');
    const result = await writeVpnProfile({ secret: issued.secretArn, endpoint, dnsName, out });
    expect(result).toMatchObject({ path: out, cn: 'alice', port: 443, protocol: 'udp' });
    expect(mode(out)).toBe(0o600);
    const profile = read(out);
    expect(profile).toContain(`remote ${endpoint}.prod.clientvpn.eu-west-1.amazonaws.com 443\n`);
    expect(profile).toContain(`<cert>\n${stored.certificatePem.trim()}\n</cert>`);
    expect(profile).toContain(`<key>\n${stored.privateKeyPem.trim()}\n</key>`);
    // The CA that issued the server certificate staged by bootstrap: the client verifies the endpoint with it.
    expect(profile).toContain(`<ca>\n${(await secretValue(ca.caSecretArn)).trim()}\n</ca>`);
  });

  it("looks the endpoint up through EC2 in the secret's region", async () => {
    const model = sandbox.model<Ec2ClientVpnModel>('EC2');
    const endpointId = model.seedEndpoint({ caCertPem: stored.caCertificatePem });
    const out = join(root, 'looked-up.ovpn');
    const result = await writeVpnProfile({
      secret: issued.secretArn,
      cn: 'alice',
      endpoint: endpointId,
      out,
    });
    expect(result).toMatchObject({
      remote: `${endpointId}.prod.clientvpn.${sandbox.region}.amazonaws.com`,
      endpointStatus: 'available',
    });
  });

  it('accepts the secret name cachegate/vpn-client/<cn>', async () => {
    const out = join(root, 'by-name.ovpn');
    await writeVpnProfile({ secret: 'cachegate/vpn-client/alice', endpoint, dnsName, out });
    expect(read(out)).toContain(stored.certificatePem.trim());
  });

  it('never puts the key into an event or an error', async () => {
    const key = stored.privateKeyPem.trim();
    const events = JSON.stringify(sandbox.model<EventBridgeModel>('EventBridge').events);
    expect(events).not.toContain(key);
    const error = (await writeVpnProfile({
      secret: issued.secretArn,
      cn: 'bob',
      endpoint,
      dnsName,
      out: join(root, 'bob.ovpn'),
    }).catch((e: unknown) => e)) as Error;
    expect(error.message).toMatch(/^cn: the certificate in .* is for CN "alice", not "bob"$/);
    expect(error.message).not.toContain('PRIVATE KEY');
  });

  it('refuses a secret that is not a cachegate client certificate, and one that does not exist', async () => {
    const { ARN } = await secrets.send(
      new CreateSecretCommand({ Name: 'cachegate/vpn-client/mallory', SecretString: 'not json' }),
    );
    const out = join(root, 'refused.ovpn');
    await expect(writeVpnProfile({ secret: ARN!, endpoint, dnsName, out })).rejects.toThrow(
      /^secret: secret .* is not a Client VPN certificate issued by cachegate/,
    );
    await expect(
      writeVpnProfile({ secret: 'cachegate/vpn-client/nobody', endpoint, dnsName, out }),
    ).rejects.toThrow(
      new NotFoundError('secret cachegate/vpn-client/nobody does not exist (in this account and region)'),
    );
    expect(existsSync(out)).toBe(false);
  });

  it('refuses the certificate once expired', async () => {
    const out = join(root, 'late.ovpn');
    await expect(
      writeVpnProfile({
        secret: issued.secretArn,
        endpoint,
        dnsName,
        out,
        now: new Date(Date.now() + 900 * 86_400_000),
      }),
    ).rejects.toThrow(/^secret: the certificate in .* cannot be used: it expired on/);
    expect(existsSync(out)).toBe(false);
  });

  it.each([
    [{ store: './pki' }, 'secret: give either --store (with --cn) or --secret, not both'],
    [{ secret: 'my-secret' }, 'secret: must be the ARN of a Secrets Manager secret'],
    [{ secret: undefined }, 'store: give --store <dir> --cn <cn>, or --secret <arn>'],
  ])('checks the certificate source: %p', async (override, message) => {
    await expect(
      writeVpnProfile({
        secret: issued.secretArn,
        endpoint,
        dnsName,
        out: join(root, 'z.ovpn'),
        ...override,
      }),
    ).rejects.toThrow(message);
  });
});

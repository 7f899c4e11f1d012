import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync, spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { createAwsClient } from '../../functions/aws/clients.js';
import { setCrlAuthority } from '../../functions/aws/crl-authority.js';
import { DynamoDbCertIndex } from '../../functions/aws/dynamodb-cert-index.js';
import { LocalStateMachine, type LocalExecution } from '../../local/runner/local-state-machine.js';
import { createSandbox, type Sandbox } from '../../local/sandbox/index.js';
import type { Ec2ClientVpnModel } from '../../local/sandbox/models/ec2-client-vpn/index.js';
import type { EventBridgeModel } from '../../local/sandbox/models/eventbridge.js';
import { createTables } from '../../local/sandbox/tables.js';
import { provisionSandboxCa, type SandboxCa } from '../../local/sandbox-ca.js';
import { requireBinary } from '../interop/require-binary.js';

/**
 * revoke-certificate on the adapters a deployed stack uses, not the in-memory CA: the DynamoDB
 * certificate index (dynalite), the CA key in KMS (the sandbox's KMS model signs), and the CA
 * certificate in Secrets Manager, exactly as infra/constructs/client-vpn-crl.ts configures the
 * Lambdas (CA_CERT_SECRET_ARN, CA_KMS_KEY_ARN, CERTIFICATES_TABLE). The certificates are issued by
 * the issue-certificate workflow on the same CA.
 */
interface Issued {
  serial: string;
  certificatePem: string;
  privateKeyPem: string;
}

let sandbox: Sandbox;
let ca: SandboxCa;
let model: Ec2ClientVpnModel;
let endpoints: string[];
const runs: LocalExecution[] = [];
const issued: Record<string, Issued> = {};
const reissued: Issued[] = [];
let revoke: LocalExecution;
let signsBeforeRevoke: number;

async function runWorkflow(name: string, input: unknown): Promise<LocalExecution> {
  const run = await LocalStateMachine.load(name, { sandbox }).run(input);
  runs.push(run);
  return run;
}

async function issue(commonName: string, requestId = `AR-REALCA-${commonName}`): Promise<Issued> {
  const run = await runWorkflow('issue-certificate', {
    requestId,
    type: 'vpn-certificate',
    commonName,
  });
  expect(run.status).toBe('SUCCEEDED');
  const { certificate } = run.output as { certificate: { serial: string; secretArn: string } };
  const secrets = createAwsClient(SecretsManagerClient, {});
  const { SecretString } = await secrets.send(new GetSecretValueCommand({ SecretId: certificate.secretArn }));
  const stored = JSON.parse(SecretString ?? '{}') as { certificatePem: string; privateKeyPem: string };
  return { serial: certificate.serial, ...stored };
}

beforeAll(async () => {
  // 20 simulated seconds per real second: the revoke workflow's 30 s export poll is 1.5 real s.
  sandbox = await createSandbox({ speed: 20 });
  await createTables();
  setCrlAuthority(undefined);
  ca = await provisionSandboxCa('Real Adapters VPN CA', sandbox.clock.now());
  model = sandbox.model<Ec2ClientVpnModel>('EC2');
  endpoints = [1, 2].map((i) => model.seedEndpoint({ caCertPem: ca.certificatePem, description: `e${i}` }));
  process.env.CLIENT_VPN_ENDPOINT_IDS = endpoints.join(',');
  issued.alice = await issue('alice');
  issued.bob = await issue('bob');
  for (const endpoint of endpoints) {
    for (const who of [issued.alice, issued.bob]) {
      expect(model.connectClient(endpoint, who.certificatePem, { reconnect: true }).connected).toBe(true);
    }
  }
  signsBeforeRevoke = sandbox.faults.calls('KMS', 'Sign');
  revoke = await runWorkflow('revoke-certificate', {
    commonName: 'alice',
    reason: 'keyCompromise',
    requestedBy: 'ops@example.com',
    requestId: 'REQ-REALCA-1',
  });
}, 120_000);

afterAll(async () => {
  delete process.env.CA_KMS_KEY_ARN;
  delete process.env.CA_CERT_SECRET_ARN;
  delete process.env.CLIENT_VPN_ENDPOINT_IDS;
  await sandbox.close();
});

describe('revoke-certificate on the real adapters (DynamoDB index, KMS signer, CA certificate in Secrets Manager)', () => {
  it('revokes in the DynamoDB index and distributes a CRL signed through KMS to every endpoint', async () => {
    expect(revoke.status).toBe('SUCCEEDED');
    expect(revoke.output).toMatchObject({
      serial: issued.alice!.serial,
      commonName: 'alice',
      crlNumber: '1',
      behindEndpoints: [],
    });
    expect([...(revoke.output as { updatedEndpoints: string[] }).updatedEndpoints].sort()).toEqual(
      [...endpoints].sort(),
    );
    const entries = await new DynamoDbCertIndex().entries();
    expect(entries.find((e) => e.serial === issued.alice!.serial)).toMatchObject({
      status: 'R',
      reason: 'keyCompromise',
    });
    expect(entries.find((e) => e.serial === issued.bob!.serial)?.status).toBe('V');
    // One KMS signature for the CRL: the CA key is used through KMS, never held by a Lambda.
    expect(sandbox.faults.calls('KMS', 'Sign') - signsBeforeRevoke).toBe(1);
  });

  it('cuts the revoked client off on every endpoint while the other stays connected', () => {
    for (const endpoint of endpoints) {
      const live = model.connections(endpoint).filter((c) => c.endedAt === undefined);
      expect(live.map((c) => c.commonName)).toEqual(['bob']);
      expect(model.connectClient(endpoint, issued.alice!.certificatePem)).toEqual({
        connected: false,
        reason: 'certificate-revoked',
      });
      expect(model.connectClient(endpoint, issued.bob!.certificatePem).connected).toBe(true);
    }
  });

  it('frees the CN for a new certificate once the revocation is distributed (its last step ends the hold)', async () => {
    const states = revoke.events
      .filter((e) => (e as { type: string }).type === 'StateEntered')
      .map((e) => (e as { state: { name: string } }).state.name);
    expect(states.at(-1)).toBe('EndRevocationHold');
    const again = await issue('alice', 'AR-REALCA-alice-2');
    reissued.push(again);
    expect(again.serial).not.toBe(issued.alice!.serial);
    for (const endpoint of endpoints) {
      expect(model.connectClient(endpoint, again.certificatePem).connected).toBe(true);
    }
  });

  it('puts no private key, certificate or CRL into any payload or audit event', () => {
    const everything =
      JSON.stringify(runs.map((r) => r.events)) +
      JSON.stringify(sandbox.model<EventBridgeModel>('EventBridge').events);
    expect(everything).not.toContain('-----BEGIN');
    expect(everything).not.toContain('PRIVATE KEY');
    for (const { privateKeyPem } of [...Object.values(issued), ...reissued]) {
      expect(everything).not.toContain(privateKeyPem.split('\n')[1]);
    }
  });
});

const describeOpenssl = requireBinary('openssl') ? describe : describe.skip;

describeOpenssl('the distributed CRL, checked by openssl', () => {
  let dir: string;
  const file = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'cachegate-real-ca-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('verifies against the CA certificate from Secrets Manager and lists exactly the revoked serial', () => {
    const crlPem = model.crlInForce(endpoints[0]!);
    expect(crlPem).toBeDefined();
    expect(model.crlInForce(endpoints[1]!)).toBe(crlPem);
    const caPath = file('ca.crt', ca.certificatePem);
    const crlPath = file('crl.pem', crlPem!);
    const verify = spawnSync('openssl', ['crl', '-in', crlPath, '-CAfile', caPath, '-noout', '-verify'], {
      encoding: 'utf8',
    });
    expect(`${verify.stdout}${verify.stderr}`).toMatch(/verify OK/);
    expect(verify.status).toBe(0);
    const text = execFileSync('openssl', ['crl', '-in', crlPath, '-noout', '-text'], { encoding: 'utf8' });
    const serials = [...text.matchAll(/Serial Number: ([0-9A-F]+)/g)].map((m) => m[1]);
    expect(serials).toEqual([new X509Certificate(issued.alice!.certificatePem).serialNumber]);
    expect(text).toMatch(/Key Compromise/);
  });

  it('makes openssl refuse the revoked certificate and accept the other one', () => {
    // At the sandbox's time: its clock runs ahead of the wall clock.
    const args = (who: string, pem: string) => [
      'verify',
      '-attime',
      String(Math.floor(sandbox.clock.nowMs() / 1000)),
      '-crl_check',
      '-CAfile',
      file('ca-chain.crt', ca.certificatePem),
      '-CRLfile',
      file('crl-check.pem', model.crlInForce(endpoints[0]!)!),
      file(`${who}.crt`, pem),
    ];
    const alice = spawnSync('openssl', args('alice', issued.alice!.certificatePem), { encoding: 'utf8' });
    expect(alice.status).not.toBe(0);
    expect(`${alice.stdout}${alice.stderr}`).toMatch(/certificate revoked/);
    const bob = spawnSync('openssl', args('bob', issued.bob!.certificatePem), { encoding: 'utf8' });
    expect(`${bob.stdout}${bob.stderr}`).toMatch(/OK/);
    expect(bob.status).toBe(0);
  });
});

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { createAwsClient } from '../../functions/aws/clients.js';
import { DynamoDbCertIndex } from '../../functions/aws/dynamodb-cert-index.js';
import { handler as issueClientCertificate } from '../../functions/issue-client-certificate/handler.js';
import { LambdaCrashSignal } from '../../local/sandbox/faults.js';
import { genericFault } from '../../local/sandbox/service-error.js';
import {
  LocalStateMachine,
  type LambdaHandler,
  type LocalExecution,
} from '../../local/runner/local-state-machine.js';
import { createSandbox, type Sandbox } from '../../local/sandbox/index.js';
import type { EventBridgeModel } from '../../local/sandbox/models/eventbridge.js';
import { createTables } from '../../local/sandbox/tables.js';
import { provisionSandboxCa, type SandboxCa } from '../../local/sandbox-ca.js';
import { testCsr } from '../unit/pki/ca-fixture.js';

const sample = JSON.parse(
  readFileSync(new URL('../../events/issue-certificate.json', import.meta.url), 'utf8'),
) as {
  requestId: string;
  type: 'vpn-certificate';
  commonName: string;
};

let sandbox: Sandbox;
let ca: SandboxCa;
let secrets: SecretsManagerClient;
const runs: LocalExecution[] = [];
const privateKeys: string[] = [];

beforeAll(async () => {
  sandbox = await createSandbox({ speed: 1000 });
  await createTables();
  ca = await provisionSandboxCa('Sandbox VPN CA', sandbox.clock.now());
  secrets = createAwsClient(SecretsManagerClient, {});
});
afterAll(async () => {
  delete process.env.CA_KMS_KEY_ARN;
  delete process.env.CA_CERT_SECRET_ARN;
  await sandbox.close();
});

async function issue(input: unknown, handlers?: Record<string, LambdaHandler>): Promise<LocalExecution> {
  const run = await LocalStateMachine.load('issue-certificate', {
    sandbox,
    ...(handlers ? { handlers } : {}),
  }).run(input);
  runs.push(run);
  return run;
}

let counter = 0;
const request = (overrides: Record<string, unknown> = {}) => {
  counter += 1;
  return {
    ...sample,
    requestId: `${sample.requestId}-${counter}`,
    commonName: `user-${counter}`,
    ...overrides,
  };
};

interface Issued {
  requestId: string;
  certificate: { serial: string; commonName: string; notAfter: string; secretArn?: string };
}

async function storedSecret(arn: string) {
  const { SecretString } = await secrets.send(new GetSecretValueCommand({ SecretId: arn }));
  const value = JSON.parse(SecretString ?? '{}') as { certificatePem: string; privateKeyPem: string };
  privateKeys.push(value.privateKeyPem);
  return value;
}

describe('issue-certificate workflow (real ASL on the local runner)', () => {
  it('generates the key, stores key + certificate in cachegate/vpn-client/<cn>, records and audits it', async () => {
    const input = request();
    const run = await issue(input);
    expect(run.status).toBe('SUCCEEDED');
    const { certificate } = run.output as Issued;
    expect(certificate.secretArn).toMatch(new RegExp(`:secret:cachegate/vpn-client/${input.commonName}-`));
    const stored = await storedSecret(certificate.secretArn!);
    const x509 = new X509Certificate(stored.certificatePem);
    expect(x509.serialNumber).toBe(certificate.serial);
    expect(x509.subject).toBe(`CN=${input.commonName}`);
    expect(x509.verify(new X509Certificate(ca.certificatePem).publicKey)).toBe(true);
    expect(x509.checkPrivateKey(createPrivateKey(stored.privateKeyPem))).toBe(true);
    const entries = await new DynamoDbCertIndex().entries();
    expect(entries.find((e) => e.serial === certificate.serial)).toMatchObject({
      status: 'V',
      commonName: input.commonName,
    });
    const audit = sandbox.model<EventBridgeModel>('EventBridge').events;
    expect(JSON.stringify(audit)).toContain(`"serial":"${certificate.serial}"`);
    expect(JSON.stringify(audit)).toContain('CertificateIssued');
  });

  it('issues from a CSR: no key is generated and no secret is created', async () => {
    const input = request();
    const run = await issue({ ...input, csrPem: testCsr({ commonName: input.commonName }) });
    expect(run.status).toBe('SUCCEEDED');
    const { certificate } = run.output as Issued;
    expect(certificate.secretArn).toBeUndefined();
    const record = await new DynamoDbCertIndex().issuance(input.requestId);
    expect(new X509Certificate(record!.certificatePem!).serialNumber).toBe(certificate.serial);
  });

  it.each([
    ['a bad common name', { commonName: 'not a name/../x' }],
    [
      'a malformed CSR',
      { csrPem: '-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n' },
    ],
  ])('rejects %s before reserving or signing anything', async (_what, overrides) => {
    const input = request(overrides);
    const run = await issue(input);
    expect(run.status).toBe('FAILED');
    expect(run.error).toBe('CertificateRequest.Rejected');
    expect(await new DynamoDbCertIndex().issuance(input.requestId)).toBeUndefined();
  });

  it('refuses a second valid certificate for the same common name', async () => {
    const first = request();
    expect((await issue(first)).status).toBe('SUCCEEDED');
    const second = await issue(request({ commonName: first.commonName }));
    expect(second.status).toBe('FAILED');
    expect(second.error).toBe('CertificateRequest.Rejected');
  });

  it('a crash after the certificate was issued: the retry returns the same certificate, issued once', async () => {
    let calls = 0;
    const crashing: LambdaHandler = async (event, context) => {
      calls += 1;
      const result = await (issueClientCertificate as LambdaHandler)(event, context);
      if (calls === 1) throw new LambdaCrashSignal('the test, after the step did its work');
      return result;
    };
    const input = request();
    const run = await issue(input, { 'issue-client-certificate': crashing });
    expect(run.status).toBe('SUCCEEDED');
    expect(calls).toBe(2);
    const { certificate } = run.output as Issued;
    const stored = await storedSecret(certificate.secretArn!);
    expect(new X509Certificate(stored.certificatePem).serialNumber).toBe(certificate.serial);
    const forCn = (await new DynamoDbCertIndex().entries()).filter((e) => e.commonName === input.commonName);
    expect(forCn).toHaveLength(1);

    // The whole workflow started again for the same request (a redelivered start): same result.
    const again = await issue(input);
    expect(again.status).toBe('SUCCEEDED');
    expect((again.output as Issued).certificate).toEqual(certificate);
  });

  it('a crash before the secret is stored is retried (Lambda.Unknown) without a second key', async () => {
    sandbox.faults.inject({ service: 'Secrets Manager', command: 'CreateSecret', mode: 'crash' });
    const input = request();
    const run = await issue(input);
    expect(run.status).toBe('SUCCEEDED');
    const { certificate } = run.output as Issued;
    const stored = await storedSecret(certificate.secretArn!);
    expect(new X509Certificate(stored.certificatePem).serialNumber).toBe(certificate.serial);
  });

  it('a permanent signing failure releases the reserved common name, with a clear cause', async () => {
    sandbox.faults.inject({
      service: 'KMS',
      command: 'Sign',
      times: 100,
      mode: 'throw',
      error: () => genericFault('KMSInvalidStateException', `${ca.keyArn} is disabled.`),
    });
    const input = request();
    const run = await issue(input);
    sandbox.faults.clear();
    expect(run.status).toBe('FAILED');
    expect(run.error).toBe('CertificateRequest.IssuanceFailed');
    expect(run.cause).toContain(`CN "${input.commonName}"`);
    expect(run.cause).toContain('failed with KMSInvalidStateException');
    expect(run.cause).toContain('is disabled');
    expect(run.cause).toContain('the reservation of CN');
    expect(run.cause).toContain('can be requested again');
    expect(await new DynamoDbCertIndex().issuance(input.requestId)).toBeUndefined();
    const stepNames = run.events.map((e) => (e as { state?: { name: string } }).state?.name);
    expect(stepNames).toContain('ReleaseCertificateReservation');

    // The CN is free: a new request for it succeeds; so would a retry of the same request.
    const retry = await issue({ ...input, requestId: `${input.requestId}-again` });
    expect(retry.status).toBe('SUCCEEDED');
    const forCn = (await new DynamoDbCertIndex().entries()).filter((e) => e.commonName === input.commonName);
    expect(forCn.map((e) => e.status)).toEqual(['V']);
  });

  it('a certificate signed but never recorded is released as revoked, so the next CRL lists it', async () => {
    const failingRecord: LambdaHandler = async () => {
      throw Object.assign(new Error('Requested resource not found'), { name: 'ResourceNotFoundException' });
    };
    const input = request();
    const run = await issue(input, { 'record-issued-certificate': failingRecord });
    expect(run.status).toBe('FAILED');
    expect(run.error).toBe('CertificateRequest.IssuanceFailed');
    expect(run.cause).toContain('failed with ResourceNotFoundException');
    expect(run.cause).toMatch(/certificate signed meanwhile \(serial [0-9A-F]+\) recorded as revoked/);
    const revoked = (await new DynamoDbCertIndex().entries()).filter(
      (e) => e.commonName === input.commonName,
    );
    expect(revoked).toEqual([expect.objectContaining({ status: 'R', reason: 'cessationOfOperation' })]);
    expect(run.cause).toContain(revoked[0]!.serial);
    const again = await issue({ ...input, requestId: `${input.requestId}-again` });
    expect(again.status).toBe('SUCCEEDED');
  });

  it('a conflict with another request’s certificate releases nothing of it', async () => {
    const first = request();
    expect((await issue(first)).status).toBe('SUCCEEDED');
    const second = await issue(request({ commonName: first.commonName }));
    expect(second.error).toBe('CertificateRequest.Rejected');
    const third = await issue(request({ commonName: first.commonName }));
    expect(third.error).toBe('CertificateRequest.Rejected');
    expect((await new DynamoDbCertIndex().issuance(first.requestId))?.recorded).toBe(true);
  });

  it('never puts a private key in the event log or an audit event', () => {
    expect(privateKeys.length).toBeGreaterThan(0);
    const logs = JSON.stringify(runs.map((r) => r.events));
    const audit = JSON.stringify(sandbox.model<EventBridgeModel>('EventBridge').events);
    for (const text of [logs, audit]) {
      expect(text).not.toContain('PRIVATE KEY');
      for (const pem of privateKeys) {
        const body = pem.split('\n').slice(1, -2).join('');
        expect(text).not.toContain(body.slice(0, 64));
      }
    }
  });
});

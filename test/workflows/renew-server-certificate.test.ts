import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { randomBytes, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ValidationException } from '@aws-sdk/client-acm';
import { describeCertificate, importCertificate } from '../../functions/aws/acm.js';
import { caFromEnvironment } from '../../functions/aws/ca-from-environment.js';
import { issueCertificate } from '../../functions/core/pki/ca-operations.js';
import { generateRsaKey } from '../../functions/core/pki/certificate-builder.js';
import { toPem } from '../../functions/core/pki/pem.js';
import { handler as reimport } from '../../functions/reimport-server-certificate/handler.js';
import { LambdaCrashSignal } from '../../local/sandbox/faults.js';
import {
  LocalStateMachine,
  type LambdaHandler,
  type LocalExecution,
} from '../../local/runner/local-state-machine.js';
import { createSandbox, type Sandbox } from '../../local/sandbox/index.js';
import type { AcmModel } from '../../local/sandbox/models/acm.js';
import type { EventBridgeModel } from '../../local/sandbox/models/eventbridge.js';
import { serviceFault } from '../../local/sandbox/service-error.js';
import { provisionSandboxCa } from '../../local/sandbox-ca.js';
import { auditEventV1 } from '../unit/api/audit-event-schema.js';

const sample = JSON.parse(
  readFileSync(new URL('../../events/renew-server-certificate.json', import.meta.url), 'utf8'),
) as { requestedBy: string };

const DAY_MS = 86_400_000;
const SETTINGS = [
  'SERVER_CERTIFICATE_ARN',
  'SERVER_CERTIFICATE_RENEW_BEFORE_DAYS',
  'SERVER_CERTIFICATE_DAYS',
];

let sandbox: Sandbox;
let machine: LocalStateMachine;
let acm: AcmModel;
const privateKeys: string[] = [];

beforeAll(async () => {
  sandbox = await createSandbox({ speed: 1000, dynamoDb: false });
  await provisionSandboxCa('Sandbox VPN CA', sandbox.clock.now());
  acm = sandbox.model<AcmModel>('ACM');
  machine = LocalStateMachine.load('renew-server-certificate', { sandbox });
});
afterAll(async () => {
  for (const key of [...SETTINGS, 'CA_KMS_KEY_ARN', 'CA_CERT_SECRET_ARN']) delete process.env[key];
  await sandbox.close();
});
beforeEach(() => sandbox.faults.clear());

/** A server certificate on the stack's CA, `days` from expiry, imported into ACM as the stack's ARN. */
async function stackCertificate(days: number): Promise<{ arn: string; serial: string }> {
  const ca = await caFromEnvironment();
  const pair = generateRsaKey();
  const now = sandbox.clock.now();
  const { certificate, entry } = await issueCertificate({
    ca: ca.certificate,
    index: [],
    commonName: 'server',
    profile: 'server',
    spki: pair.publicKey.export({ type: 'spki', format: 'der' }),
    now: new Date(now.getTime() - 60_000),
    days,
    signer: ca.signer,
    random: randomBytes,
  });
  const privateKeyPem = pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  privateKeys.push(privateKeyPem);
  const arn = await importCertificate({
    certificatePem: toPem('CERTIFICATE', certificate),
    privateKeyPem,
    chainPem: ca.certificatePem,
  });
  process.env.SERVER_CERTIFICATE_ARN = arn;
  process.env.SERVER_CERTIFICATE_RENEW_BEFORE_DAYS = '30';
  process.env.SERVER_CERTIFICATE_DAYS = '395';
  return { arn, serial: entry.serial };
}

const renewedEvents = () =>
  sandbox
    .model<EventBridgeModel>('EventBridge')
    .events.filter((e) => e.detailType === 'ServerCertificateRenewed')
    .map((e) => e.detail as Record<string, unknown>);

function expectNoKeyMaterial(run: LocalExecution): void {
  const log = JSON.stringify(run.events);
  expect(log).not.toContain('PRIVATE KEY');
  for (const key of privateKeys) expect(log).not.toContain(key.split('\n')[1]);
}

describe('renew-server-certificate (real ASL, ACM model)', () => {
  it('does nothing while the certificate is outside the renewal margin', async () => {
    const { arn } = await stackCertificate(200);
    const run = await machine.run(sample);
    expect(run.status).toBe('SUCCEEDED');
    expect(run.output).toMatchObject({ current: { certificateArn: arn, due: false } });
    expect(acm.importCount(arn)).toBe(1);
  });

  it('re-imports a new certificate on the stack CA into the same ARN, verified through ACM, audited', async () => {
    const { arn, serial } = await stackCertificate(20);
    const eventsBefore = renewedEvents().length;
    const run = await machine.run(sample);
    expect(run.status).toBe('SUCCEEDED');
    expect(acm.importCount(arn)).toBe(2);
    expect(acm.arns().filter((a) => a === arn)).toHaveLength(1);
    const after = await describeCertificate(arn);
    expect(after?.notAfter.getTime()).toBeGreaterThan(sandbox.clock.nowMs() + 390 * DAY_MS);
    const served = new X509Certificate(acm.certificatePem(arn) as string);
    const ca = await caFromEnvironment();
    expect(served.checkIssued(new X509Certificate(ca.certificatePem))).toBe(true);
    expect(served.serialNumber).not.toBe(serial);
    expect(served.subject).toBe('CN=server');
    const events = renewedEvents().slice(eventsBefore);
    expect(events).toHaveLength(1);
    expect(auditEventV1.parse(events[0])).toMatchObject({
      action: 'ServerCertificateRenewed',
      actor: 'cachegate-schedule',
      subject: {
        certificateArn: arn,
        previousSerial: expect.any(String),
        serial: served.serialNumber.toLowerCase().match(/../g)?.join(':'),
      },
    });
    expectNoKeyMaterial(run);
  });

  it('renews an expired certificate too (the endpoint is down until it does)', async () => {
    const { arn } = await stackCertificate(1);
    sandbox.clock.advance(2 * DAY_MS);
    const run = await machine.run(sample);
    expect(run.status).toBe('SUCCEEDED');
    expect(run.output).toMatchObject({ current: { due: true }, verified: { serial: expect.any(String) } });
    expect(acm.importCount(arn)).toBe(2);
  });

  it('a crash after the re-import: the retry finds ACM holding it and issues nothing more', async () => {
    const { arn } = await stackCertificate(10);
    let calls = 0;
    const crashing: LambdaHandler = async (event, context) => {
      calls += 1;
      const result = await (reimport as LambdaHandler)(event, context);
      if (calls === 1) throw new LambdaCrashSignal('the test, after the re-import');
      return result;
    };
    const run = await LocalStateMachine.load('renew-server-certificate', {
      sandbox,
      handlers: { 'reimport-server-certificate': crashing },
    }).run(sample);
    expect(run.status).toBe('SUCCEEDED');
    expect(calls).toBe(2);
    expect(acm.importCount(arn)).toBe(2);
    expect(run.output).toMatchObject({ renewed: { reused: true } });
    expectNoKeyMaterial(run);
  });

  it('a crash before the import is retried and imports once', async () => {
    const { arn } = await stackCertificate(10);
    sandbox.faults.inject({ service: 'ACM', command: 'ImportCertificate', mode: 'crash' });
    const run = await machine.run(sample);
    expect(run.status).toBe('SUCCEEDED');
    expect(acm.importCount(arn)).toBe(2);
    expect(run.output).toMatchObject({ renewed: { reused: false } });
  });

  it('an import ACM refuses fails the workflow and leaves the old certificate in place', async () => {
    const { arn, serial } = await stackCertificate(10);
    sandbox.faults.inject({
      service: 'ACM',
      command: 'ImportCertificate',
      mode: 'throw',
      error: () => serviceFault(ValidationException, 'The certificate is not valid now'),
    });
    const eventsBefore = renewedEvents().length;
    const run = await machine.run(sample);
    expect(run.status).toBe('FAILED');
    expect(run.error).toBe('ValidationException');
    expect(acm.importCount(arn)).toBe(1);
    expect((await describeCertificate(arn))?.serial.replace(/:/g, '').toUpperCase()).toBe(serial);
    expect(renewedEvents()).toHaveLength(eventsBefore);
  });

  it('refuses a request without requestedBy, naming the field, before reading anything', async () => {
    await stackCertificate(10);
    const reads = sandbox.faults.calls('ACM', 'DescribeCertificate');
    const run = await machine.run({ requestedBy: '' });
    expect(run.status).toBe('FAILED');
    expect(run.error).toBe('ValidationError');
    expect(run.cause).toContain('requestedBy');
    expect(sandbox.faults.calls('ACM', 'DescribeCertificate')).toBe(reads);
  });
});

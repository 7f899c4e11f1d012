import { beforeEach, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import {
  ACMClient,
  DescribeCertificateCommand,
  ImportCertificateCommand,
  InvalidArnException,
  ResourceNotFoundException,
  ValidationException,
} from '@aws-sdk/client-acm';
import { createAwsClient } from '../../../functions/aws/clients.js';
import { issueCertificate } from '../../../functions/core/pki/ca-operations.js';
import {
  buildCaCertificate,
  generateRsaKey,
  randomSerial,
} from '../../../functions/core/pki/certificate-builder.js';
import { fromPem, toPem } from '../../../functions/core/pki/pem.js';
import { keySigner } from '../../../functions/core/pki/signer.js';
import { parseCertificate } from '../../../functions/core/pki/x509.js';
import { createSandbox, type Sandbox } from '../../../local/sandbox/index.js';
import type { AcmModel } from '../../../local/sandbox/models/acm.js';

const DAY_MS = 86_400_000;

/** The errors the SDK declares for a command (`@throws` in its type file): all a model may throw. */
function declaredErrors(command: string): string[] {
  const require = createRequire(import.meta.url);
  const root = dirname(require.resolve('@aws-sdk/client-acm/package.json'));
  const text = readFileSync(join(root, 'dist-types', 'commands', `${command}Command.d.ts`), 'utf8');
  return [...text.matchAll(/@throws \{@link (\w+)\}/g)].map((m) => m[1] as string);
}

const caKey = generateRsaKey();
const serverKey = generateRsaKey();
const otherKey = generateRsaKey();
let sandbox: Sandbox;
let acm: ACMClient;
let caPem: string;
let caCert: ReturnType<typeof parseCertificate>;

async function serverPem(notBefore: Date, days: number): Promise<string> {
  const { certificate } = await issueCertificate({
    ca: caCert,
    index: [],
    commonName: 'server',
    profile: 'server',
    spki: serverKey.publicKey.export({ type: 'spki', format: 'der' }),
    now: notBefore,
    days,
    signer: keySigner(caKey.privateKey),
    random: randomBytes,
  });
  return toPem('CERTIFICATE', certificate);
}

const keyPem = (key = serverKey) => key.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const importing = (input: { arn?: string; cert: string; key?: string }) =>
  acm.send(
    new ImportCertificateCommand({
      ...(input.arn ? { CertificateArn: input.arn } : {}),
      Certificate: Buffer.from(input.cert),
      PrivateKey: Buffer.from(input.key ?? keyPem()),
      CertificateChain: Buffer.from(caPem),
    }),
  );
const errorOf = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (error: unknown) => error as Error,
  );

beforeEach(async () => {
  await sandbox?.close();
  sandbox = await createSandbox({ speed: 0, dynamoDb: false });
  acm = createAwsClient(ACMClient, {});
  const der = await buildCaCertificate({
    commonName: 'ACM test CA',
    spki: caKey.publicKey.export({ type: 'spki', format: 'der' }),
    serial: randomSerial(randomBytes),
    now: new Date(sandbox.clock.nowMs() - DAY_MS),
    days: 3650,
    signer: keySigner(caKey.privateKey),
  });
  caPem = toPem('CERTIFICATE', der);
  caCert = parseCertificate(der);
});

describe('ACM model: ImportCertificate and DescribeCertificate', () => {
  it('imports, then re-imports into the same ARN: one ARN, the new certificate behind it', async () => {
    const now = sandbox.clock.now();
    const { CertificateArn: arn } = await importing({ cert: await serverPem(now, 30) });
    const first = (await acm.send(new DescribeCertificateCommand({ CertificateArn: arn }))).Certificate;
    const renewed = await serverPem(now, 400);
    const again = await importing({ arn: arn as string, cert: renewed });
    expect(again.CertificateArn).toBe(arn);
    const second = (await acm.send(new DescribeCertificateCommand({ CertificateArn: arn }))).Certificate;
    expect(second?.Serial).not.toBe(first?.Serial);
    expect(second?.NotAfter?.getTime()).toBe(
      parseCertificate(fromPem(renewed, 'CERTIFICATE')).notAfter.getTime(),
    );
    expect(second).toMatchObject({ Type: 'IMPORTED', Status: 'ISSUED', DomainName: 'server' });
    const model = sandbox.model<AcmModel>('ACM');
    expect(model.arns()).toEqual([arn]);
    expect(model.importCount(arn as string)).toBe(2);
  });

  it('refuses a key that does not match, a certificate not yet or no longer valid, with declared errors', async () => {
    const now = sandbox.clock.now();
    const declared = declaredErrors('ImportCertificate');
    const refusals = [
      await errorOf(importing({ cert: await serverPem(now, 30), key: keyPem(otherKey) })),
      await errorOf(importing({ cert: await serverPem(new Date(now.getTime() + DAY_MS), 30) })),
      await errorOf(importing({ cert: await serverPem(new Date(now.getTime() - 40 * DAY_MS), 30) })),
      await errorOf(importing({ cert: 'not a certificate' })),
    ];
    for (const error of refusals) {
      expect(error).toBeInstanceOf(ValidationException);
      expect(declared).toContain(error?.name);
    }
    expect(sandbox.model<AcmModel>('ACM').arns()).toEqual([]);
  });

  it('re-import and describe of an unknown or malformed ARN fail as the SDK declares', async () => {
    const cert = await serverPem(sandbox.clock.now(), 30);
    const unknown = 'arn:aws:acm:us-east-1:000000000000:certificate/00000000-0000-0000-0000-000000000000';
    const notFound = await errorOf(importing({ arn: unknown, cert }));
    expect(notFound).toBeInstanceOf(ResourceNotFoundException);
    expect(declaredErrors('ImportCertificate')).toContain(notFound?.name);
    const malformed = await errorOf(
      acm.send(new DescribeCertificateCommand({ CertificateArn: 'certificate/1' })),
    );
    expect(malformed).toBeInstanceOf(InvalidArnException);
    const missing = await errorOf(acm.send(new DescribeCertificateCommand({ CertificateArn: unknown })));
    expect(missing).toBeInstanceOf(ResourceNotFoundException);
    for (const error of [malformed, missing])
      expect(declaredErrors('DescribeCertificate')).toContain(error?.name);
  });

  it('reports EXPIRED once the sandbox clock passes NotAfter', async () => {
    const { CertificateArn } = await importing({ cert: await serverPem(sandbox.clock.now(), 2) });
    sandbox.clock.advance(3 * DAY_MS);
    const { Certificate } = await acm.send(new DescribeCertificateCommand({ CertificateArn }));
    expect(Certificate?.Status).toBe('EXPIRED');
  });
});

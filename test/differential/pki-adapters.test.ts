/**
 * cachegate's ACM and KMS adapters (functions/aws/acm.ts, functions/aws/kms-ca-signer.ts),
 * unchanged, against the sandbox and against moto_server (see differential.ts): the CA's signer
 * on a KMS key (digest signing, the public key, a disabled or unknown key) and the server
 * certificate's import and re-import into the same ACM ARN.
 */
import { afterAll, beforeAll, describe } from '@jest/globals';
import { createPublicKey, randomBytes, verify } from 'node:crypto';
import {
  CreateKeyCommand,
  DisableKeyCommand,
  KMSClient,
  type CreateKeyCommandInput,
} from '@aws-sdk/client-kms';
import { describeCertificate, importCertificate } from '../../functions/aws/acm.js';
import { createAwsClient } from '../../functions/aws/clients.js';
import { kmsCaSigner, kmsPublicKey } from '../../functions/aws/kms-ca-signer.js';
import { issueCertificate } from '../../functions/core/pki/ca-operations.js';
import {
  buildCaCertificate,
  generateRsaKey,
  randomSerial,
} from '../../functions/core/pki/certificate-builder.js';
import { toPem } from '../../functions/core/pki/pem.js';
import { keySigner } from '../../functions/core/pki/signer.js';
import { parseCertificate } from '../../functions/core/pki/x509.js';
import { createSandbox, type Sandbox } from '../../local/sandbox/index.js';
import { differentialCases, type DifferentialCase, type Outcome } from './differential.js';
import { motoAvailable, routeAdaptersPerSide, startMotoServer, type MotoServer } from './moto-server.js';

type Side = { use(): void };

const DAY_MS = 86_400_000;
const caKey = generateRsaKey();
const serverKey = generateRsaKey();
const otherKey = generateRsaKey();
let caPem = '';
let caCert: ReturnType<typeof parseCertificate>;
let kms: KMSClient;

async function serverCertificate(days = 365): Promise<{ pem: string; serial: string }> {
  const { certificate } = await issueCertificate({
    ca: caCert,
    index: [],
    commonName: 'server',
    profile: 'server',
    spki: serverKey.publicKey.export({ type: 'spki', format: 'der' }),
    now: new Date(Date.now() - DAY_MS),
    days,
    signer: keySigner(caKey.privateKey),
    random: randomBytes,
  });
  return { pem: toPem('CERTIFICATE', certificate), serial: parseCertificate(certificate).serial };
}

const keyPem = (key = serverKey) => key.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

async function outcome<T>(call: () => Promise<T>, pick: (value: T) => Outcome = (v) => v): Promise<Outcome> {
  try {
    return { ok: pick(await call()) };
  } catch (error) {
    return { error: (error as Error).name };
  }
}

const signingKey = async (input: Partial<CreateKeyCommandInput> = {}) => {
  const { KeyMetadata } = await kms.send(
    new CreateKeyCommand({ KeySpec: 'RSA_2048', KeyUsage: 'SIGN_VERIFY', ...input }),
  );
  return KeyMetadata?.KeyId ?? '';
};

const cases: DifferentialCase<Side>[] = [
  {
    name: 'kmsPublicKey of an RSA_2048 signing key is its 2048-bit SubjectPublicKeyInfo',
    run: async (side) => {
      side.use();
      const keyId = await signingKey();
      return outcome(
        () => kmsPublicKey(keyId),
        (der) => {
          const key = createPublicKey({ key: der, format: 'der', type: 'spki' });
          return { type: key.asymmetricKeyType, bits: key.asymmetricKeyDetails?.modulusLength };
        },
      );
    },
  },
  {
    name: 'kmsCaSigner signs the SHA-256 digest: the signature verifies as sha256WithRSAEncryption',
    differs: {
      aws: { ok: { verifies: true, length: 256 } },
      reason: 'moto hashes a DIGEST message again, so its signature does not verify over the data',
      source:
        'KMS API reference, Sign MessageType: "DIGEST … KMS skips the hashing step" (the message is the digest)',
    },
    run: async (side) => {
      side.use();
      const keyId = await signingKey();
      const data = Buffer.from('a TBSCertList stand-in, larger than nothing');
      const publicKey = createPublicKey({ key: await kmsPublicKey(keyId), format: 'der', type: 'spki' });
      return outcome(
        () => kmsCaSigner(keyId).sign(data),
        (signature) => ({ verifies: verify('sha256', data, publicKey, signature), length: signature.length }),
      );
    },
  },
  {
    name: 'kmsCaSigner on an unknown key fails with NotFoundException',
    run: async (side) => {
      side.use();
      return outcome(() =>
        kmsCaSigner('arn:aws:kms:us-east-1:123456789012:key/00000000-0000-4000-8000-000000000000').sign(
          Buffer.from('x'),
        ),
      );
    },
  },
  {
    name: 'kmsCaSigner on a disabled key fails with DisabledException',
    differs: {
      aws: { error: 'DisabledException' },
      reason: 'moto signs with a disabled key',
      source: 'KMS API reference, Sign errors: DisabledException ("the specified KMS key is not enabled")',
    },
    run: async (side) => {
      side.use();
      const keyId = await signingKey();
      await kms.send(new DisableKeyCommand({ KeyId: keyId }));
      return outcome(() => kmsCaSigner(keyId).sign(Buffer.from('x')));
    },
  },
  {
    name: 'importCertificate then describeCertificate: the serial, ISSUED, the validity',
    differs: {
      aws: { ok: { serialMatches: true, status: 'ISSUED', days: 365 } },
      reason: 'moto reports Serial as a decimal integer',
      source:
        'ACM API reference, DescribeCertificate example and CertificateDetail.Serial: colon-separated hex octets',
    },
    run: async (side) => {
      side.use();
      const cert = await serverCertificate();
      return outcome(
        async () => {
          const arn = await importCertificate({
            certificatePem: cert.pem,
            privateKeyPem: keyPem(),
            chainPem: caPem,
          });
          return describeCertificate(arn);
        },
        (c) => ({
          serialMatches: c?.serial.replaceAll(':', '') === cert.serial.toLowerCase(),
          status: c?.status,
          days: c ? Math.round((c.notAfter.getTime() - c.notBefore.getTime()) / DAY_MS) : undefined,
        }),
      );
    },
  },
  {
    name: 're-importing into the same ARN keeps the ARN and serves the new certificate',
    differs: {
      aws: { ok: { sameArn: true, serialIsTheNewOne: true } },
      reason: 'moto reports Serial as a decimal integer',
      source:
        'ACM API reference, DescribeCertificate example and CertificateDetail.Serial: colon-separated hex octets',
    },
    run: async (side) => {
      side.use();
      const first = await serverCertificate();
      const second = await serverCertificate(90);
      return outcome(
        async () => {
          const arn = await importCertificate({
            certificatePem: first.pem,
            privateKeyPem: keyPem(),
            chainPem: caPem,
          });
          const again = await importCertificate({
            certificateArn: arn,
            certificatePem: second.pem,
            privateKeyPem: keyPem(),
            chainPem: caPem,
          });
          const described = await describeCertificate(arn);
          return { sameArn: again === arn, described };
        },
        ({ sameArn, described }) => ({
          sameArn,
          serialIsTheNewOne: described?.serial.replaceAll(':', '') === second.serial.toLowerCase(),
        }),
      );
    },
  },
  {
    name: 'describeCertificate of an unknown ARN is undefined',
    run: async (side) => {
      side.use();
      return outcome(() =>
        describeCertificate(
          'arn:aws:acm:us-east-1:123456789012:certificate/00000000-0000-4000-8000-000000000000',
        ),
      );
    },
  },
  {
    name: 'importCertificate with a key that is not the certificate’s is refused',
    differs: {
      aws: { error: 'ValidationException' },
      reason: 'moto imports a certificate with a key that does not match it',
      source:
        "ACM API reference, ImportCertificate: the private key must match the certificate's public key (the error name is an assumption: docs/aws-facts.md, ACM)",
    },
    run: async (side) => {
      side.use();
      const cert = await serverCertificate();
      return outcome(() =>
        importCertificate({ certificatePem: cert.pem, privateKeyPem: keyPem(otherKey), chainPem: caPem }),
      );
    },
  },
];

const describeIf = motoAvailable() ? describe : describe.skip;

describeIf("differential: cachegate's ACM and KMS adapters, sandbox vs moto_server", () => {
  let moto: MotoServer;
  let sandbox: Sandbox;
  let sides: { sandbox: Side; moto: Side };
  beforeAll(async () => {
    moto = await startMotoServer();
    sandbox = await createSandbox({ dynamoDb: false });
    // The sandbox's clock starts at the real time: certificates are valid on both sides.
    const route = routeAdaptersPerSide(moto);
    kms = createAwsClient(KMSClient, {});
    const der = await buildCaCertificate({
      commonName: 'Differential CA',
      spki: caKey.publicKey.export({ type: 'spki', format: 'der' }),
      serial: randomSerial(randomBytes),
      now: new Date(Date.now() - 2 * DAY_MS),
      days: 3650,
      signer: keySigner(caKey.privateKey),
    });
    caPem = toPem('CERTIFICATE', der);
    caCert = parseCertificate(der);
    sides = { sandbox: { use: () => route.use('sandbox') }, moto: { use: () => route.use('moto') } };
  });
  afterAll(async () => {
    await sandbox?.close();
    await moto?.stop();
  });

  differentialCases('pki', 'ACM and KMS adapters', cases, () => sides);
});

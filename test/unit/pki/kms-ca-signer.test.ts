import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { constants, createPublicKey, verify } from 'node:crypto';
import {
  CreateKeyCommand,
  DisableKeyCommand,
  EnableKeyCommand,
  InvalidKeyUsageException,
  KMSClient,
  NotFoundException,
  SignCommand,
} from '@aws-sdk/client-kms';
import { createAwsClient } from '../../../functions/aws/clients.js';
import { kmsCaSigner } from '../../../functions/aws/kms-ca-signer.js';
import { secretsCaSigner } from '../../../functions/aws/secrets-ca-signer.js';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { buildCrl } from '../../../functions/core/pki/crl-encode.js';
import { checkCrl, parseCrl } from '../../../functions/core/pki/crl-verify.js';
import { fromPem } from '../../../functions/core/pki/pem.js';
import { sha256 } from '../../../functions/core/pki/signer.js';
import { caKeyId, parseCertificate } from '../../../functions/core/pki/x509.js';
import { createSandbox, type Sandbox } from '../../../local/sandbox/index.js';
import { provisionSandboxCa, type SandboxCa } from '../../../local/sandbox-ca.js';
import { createTestCa } from './ca-fixture.js';

let sandbox: Sandbox;
let kms: KMSClient;
let ca: SandboxCa;
const now = new Date('2025-06-01T00:00:00Z');

beforeAll(async () => {
  sandbox = await createSandbox({ dynamoDb: false });
  kms = createAwsClient(KMSClient, {});
  ca = await provisionSandboxCa('KMS CA', now);
});
afterAll(async () => {
  delete process.env.CA_KMS_KEY_ARN;
  delete process.env.CA_CERT_SECRET_ARN;
  await sandbox.close();
});

describe('KMS CA signer (sandbox KMS)', () => {
  it('signs a 20,000-entry CRL the core verifier accepts, sending only a SHA-256 digest', async () => {
    const cert = parseCertificate(fromPem(ca.certificatePem, 'CERTIFICATE'));
    const entries = Array.from({ length: 20_000 }, (_, i) => ({
      serial: (0x10000000 + i).toString(16).toUpperCase(),
      revoked: '250501000000Z',
    }));
    const der = await buildCrl(
      {
        issuer: cert.subject,
        authorityKeyId: caKeyId(cert),
        crlNumber: 7n,
        thisUpdate: now,
        nextUpdate: new Date(now.getTime() + 7 * 86_400_000),
        entries,
      },
      kmsCaSigner(ca.keyArn),
    );
    const report = checkCrl(parseCrl(der, 'CRL', { entries: 'count' }), cert, { now });
    expect(report).toMatchObject({ valid: true, entries: 20_000, crlNumber: '7' });
    const signs = sandbox.faults.calls('KMS', 'Sign');
    expect(signs).toBeGreaterThan(0);
  });

  it('signs RAW and DIGEST messages, PKCS#1 v1.5 and PSS, verifiable with the public key', async () => {
    const message = Buffer.from('cachegate');
    const publicKey = createPublicKey(ca.certificatePem);
    for (const SigningAlgorithm of ['RSASSA_PKCS1_V1_5_SHA_256', 'RSASSA_PSS_SHA_256'] as const) {
      for (const [MessageType, Message] of [
        ['RAW', message],
        ['DIGEST', sha256(message)],
      ] as const) {
        const { Signature } = await kms.send(
          new SignCommand({ KeyId: ca.keyArn, Message, MessageType, SigningAlgorithm }),
        );
        const key =
          SigningAlgorithm === 'RSASSA_PSS_SHA_256'
            ? { key: publicKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }
            : publicKey;
        expect(verify('sha256', message, key, Buffer.from(Signature!))).toBe(true);
      }
    }
  });

  it('fails with the documented KMS errors', async () => {
    const message = sha256(Buffer.from('x'));
    const sign = (KeyId: string, extra: Record<string, unknown> = {}) =>
      kms.send(
        new SignCommand({
          KeyId,
          Message: message,
          MessageType: 'DIGEST',
          SigningAlgorithm: 'RSASSA_PKCS1_V1_5_SHA_256',
          ...extra,
        }),
      );
    await expect(sign('arn:aws:kms:us-east-1:000000000000:key/nope')).rejects.toBeInstanceOf(
      NotFoundException,
    );
    const { KeyMetadata } = await kms.send(new CreateKeyCommand({}));
    await expect(sign(KeyMetadata!.Arn!)).rejects.toBeInstanceOf(InvalidKeyUsageException);
    await expect(sign(ca.keyArn, { SigningAlgorithm: 'ECDSA_SHA_256' })).rejects.toBeInstanceOf(
      InvalidKeyUsageException,
    );
    await expect(sign(ca.keyArn, { Message: Buffer.alloc(20) })).rejects.toMatchObject({
      name: 'ValidationException',
    });
    await expect(sign(ca.keyArn, { MessageType: 'RAW', Message: Buffer.alloc(4097) })).rejects.toMatchObject({
      name: 'ValidationException',
    });
    await kms.send(new DisableKeyCommand({ KeyId: ca.keyArn }));
    await expect(sign(ca.keyArn)).rejects.toMatchObject({ name: 'DisabledException' });
    await kms.send(new EnableKeyCommand({ KeyId: ca.keyArn }));
  });
});

describe('Secrets Manager CA signer', () => {
  it('signs with the PEM key in the secret and never puts the key in an error', async () => {
    const test = await createTestCa('Secret CA', now);
    const secrets = createAwsClient(SecretsManagerClient, {});
    const { ARN } = await secrets.send(
      new CreateSecretCommand({ Name: 'cachegate/ca/key', SecretString: test.privateKeyPem }),
    );
    const signer = await secretsCaSigner(ARN!);
    const data = Buffer.from('tbs');
    expect(verify('sha256', data, test.cert.publicKey, await signer.sign(data))).toBe(true);

    const { ARN: bad } = await secrets.send(
      new CreateSecretCommand({ Name: 'cachegate/ca/not-a-key', SecretString: 'not a key' }),
    );
    await expect(secretsCaSigner(bad!)).rejects.toThrow(/not an unencrypted PEM private key/);
    await expect(secretsCaSigner(bad!)).rejects.not.toThrow(/not a key/);
  });
});

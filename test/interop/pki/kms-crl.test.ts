import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { kmsCaSigner } from '../../../functions/aws/kms-ca-signer.js';
import { buildCrl } from '../../../functions/core/pki/crl-encode.js';
import { fromPem, toPem } from '../../../functions/core/pki/pem.js';
import { caKeyId, parseCertificate } from '../../../functions/core/pki/x509.js';
import { createSandbox, type Sandbox } from '../../../local/sandbox/index.js';
import { provisionSandboxCa } from '../../../local/sandbox-ca.js';
import { requireBinary } from '../require-binary.js';
import { run, tempDir } from './tools.js';

const describeIf = requireBinary('openssl') ? describe : describe.skip;

describeIf('a CRL signed through the KMS signer (sandbox KMS) against openssl', () => {
  let sandbox: Sandbox;
  beforeAll(async () => {
    sandbox = await createSandbox({ dynamoDb: false });
  });
  afterAll(async () => {
    delete process.env.CA_KMS_KEY_ARN;
    delete process.env.CA_CERT_SECRET_ARN;
    await sandbox.close();
  });

  it('passes openssl crl -verify against the KMS-signed CA certificate', async () => {
    const now = new Date();
    const ca = await provisionSandboxCa('KMS Interop CA', now);
    const cert = parseCertificate(fromPem(ca.certificatePem, 'CERTIFICATE'));
    const der = await buildCrl(
      {
        issuer: cert.subject,
        authorityKeyId: caKeyId(cert),
        crlNumber: 3n,
        thisUpdate: now,
        nextUpdate: new Date(now.getTime() + 30 * 86_400_000),
        entries: [{ serial: '0A1B2C', revoked: '250101000000Z', reason: 'keyCompromise' }],
      },
      kmsCaSigner(ca.keyArn),
    );
    const dir = tempDir('kms-crl');
    writeFileSync(join(dir, 'ca.crt'), ca.certificatePem);
    writeFileSync(join(dir, 'crl.pem'), toPem('X509 CRL', der));
    const r = run('openssl', [
      'crl',
      '-in',
      join(dir, 'crl.pem'),
      '-CAfile',
      join(dir, 'ca.crt'),
      '-noout',
      '-text',
    ]);
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/verify OK/);
    expect(r.stdout).toMatch(/Serial Number: 0A1B2C/);
    const self = run('openssl', ['verify', '-CAfile', join(dir, 'ca.crt'), join(dir, 'ca.crt')]);
    expect(self.status).toBe(0);
  });
});

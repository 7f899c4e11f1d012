import { randomBytes } from 'node:crypto';
import { caFromEnvironment } from '../aws/ca-from-environment.js';
import { DynamoDbCertIndex } from '../aws/dynamodb-cert-index.js';
import { readSecretVersion, storeSecretVersion } from '../aws/secrets.js';
import { serviceNow } from '../aws/service-clock.js';
import { logger } from '../commons/powertools.js';
import { issueCertificate, validateCommonName } from '../core/pki/ca-operations.js';
import { DEFAULT_CERT_DAYS, generateRsaKey, randomSerial } from '../core/pki/certificate-builder.js';
import { parseCsr } from '../core/pki/csr.js';
import { fromPem, toPem } from '../core/pki/pem.js';
import { parseCertificate } from '../core/pki/x509.js';
import { clientRequestToken } from '../core/rbac/client-request-token.js';
import { clientSecretName } from '../core/pki/client-secret.js';

const SECRET_KIND = 'vpn-client-certificate';

/**
 * Issues the client certificate for one request, once. The CN and a serial are reserved in the
 * index first (a retry gets the same reservation; a CN that holds a valid certificate is a
 * ConflictError). With a CSR the key stays with the requester; otherwise the key is generated
 * here and stored with the certificate in the secret `cachegate/vpn-client/<cn>`, whose version ID
 * is derived from the request: after a crash, the retry keeps the version the first attempt stored.
 * Only the serial, the secret ARN and the expiry leave this step, never the key (safety rule 1).
 */
export async function issueClientCertificate({
  requestId,
  commonName,
  csrPem,
}: {
  requestId: string;
  commonName: string;
  csrPem?: string;
}): Promise<{ serial: string; commonName: string; notAfter: string; secretArn?: string }> {
  const cn = validateCommonName(commonName, 'commonName');
  const index = new DynamoDbCertIndex();
  const serialHex = randomSerial(randomBytes).toString('hex').toUpperCase();
  const reservation = await index.reserve(requestId, cn, serialHex, serviceNow());
  const result = (certificatePem: string, secretArn: string | undefined) => ({
    serial: reservation.serial,
    commonName: cn,
    notAfter: parseCertificate(fromPem(certificatePem, 'CERTIFICATE')).notAfter.toISOString(),
    ...(secretArn ? { secretArn } : {}),
  });
  if (reservation.certificatePem) return result(reservation.certificatePem, reservation.secretArn);

  const ca = await caFromEnvironment();
  let spki: Buffer;
  let privateKeyPem: string | undefined;
  if (csrPem !== undefined) {
    spki = parseCsr(fromPem(csrPem, 'CERTIFICATE REQUEST', 'csrPem'), 'csrPem').spki;
  } else {
    const pair = generateRsaKey();
    spki = pair.publicKey.export({ type: 'spki', format: 'der' });
    privateKeyPem = pair.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
  }
  const { certificate } = await issueCertificate({
    ca: ca.certificate,
    index: [],
    commonName: cn,
    profile: 'client',
    spki,
    now: serviceNow(),
    days: DEFAULT_CERT_DAYS,
    signer: ca.signer,
    // The reserved serial: a retried step signs under the same serial.
    random: () => Buffer.from(reservation.serial, 'hex'),
  });
  let certificatePem = toPem('CERTIFICATE', certificate);
  let secretArn: string | undefined;
  if (privateKeyPem !== undefined) {
    const ref = await storeSecretVersion({
      name: clientSecretName(cn),
      value: JSON.stringify({ certificatePem, privateKeyPem, caCertificatePem: ca.certificatePem }),
      clientRequestToken: clientRequestToken('issue-certificate', requestId),
      tags: { 'cachegate:kind': SECRET_KIND, 'cachegate:common-name': cn },
      description: `cachegate: Client VPN certificate and key of ${cn}`,
      owns: (tags) => tags['cachegate:kind'] === SECRET_KIND && tags['cachegate:common-name'] === cn,
    });
    // The stored version wins over this attempt's (a retry after a crash generated another key).
    certificatePem = (JSON.parse(await readSecretVersion(ref)) as { certificatePem: string }).certificatePem;
    secretArn = ref.arn;
  }
  await index.attachCertificate(requestId, certificatePem, secretArn);
  logger.info('client certificate issued', {
    requestId,
    serial: reservation.serial,
    commonName: cn,
    secretArn,
  });
  return result(certificatePem, secretArn);
}

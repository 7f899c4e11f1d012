import { randomBytes } from 'node:crypto';
import { CachegateError, NotFoundError } from '../core/errors.js';
import { issueCertificate } from '../core/pki/ca-operations.js';
import { generateRsaKey } from '../core/pki/certificate-builder.js';
import { toPem } from '../core/pki/pem.js';
import { vpnCertificateProblems } from '../core/vpn/certificate-checks.js';
import {
  renewalDecision,
  sameSerial,
  ServerCertificateNotRenewedError,
  type ServerCertificateRenewalSettings,
} from '../core/vpn/server-certificate-renewal.js';
import { describeCertificate, importCertificate, type AcmCertificate } from '../aws/acm.js';
import { caFromEnvironment } from '../aws/ca-from-environment.js';

/*
 * The steps of renew-server-certificate. Payloads carry the ARN, serials and dates; the new
 * private key exists only inside `reimportServerCertificate` and in ACM (docs/decisions.md).
 */

async function current(certificateArn: string): Promise<AcmCertificate> {
  const certificate = await describeCertificate(certificateArn);
  if (!certificate) throw new NotFoundError(`ACM has no certificate ${certificateArn}`);
  return certificate;
}

export async function inspectServerCertificate(settings: ServerCertificateRenewalSettings, now: Date) {
  const certificate = await current(settings.certificateArn);
  const decision = renewalDecision(certificate.notAfter, now, settings.renewBeforeDays);
  return {
    certificateArn: certificate.arn,
    serial: certificate.serial,
    notAfter: certificate.notAfter.toISOString(),
    ...decision,
  };
}

/**
 * Issues a new server certificate on the stack's CA and re-imports it into the same ARN, unless
 * ACM no longer holds `previousSerial`: then an earlier attempt of this step (which crashed after
 * its import) or another renewal has replaced it, and that certificate is reported instead of
 * issuing a second one.
 */
export async function reimportServerCertificate(
  settings: ServerCertificateRenewalSettings,
  previousSerial: string,
  now: Date,
): Promise<{ serial: string; notAfter: string; reused: boolean }> {
  const before = await current(settings.certificateArn);
  if (!sameSerial(before.serial, previousSerial)) {
    return { serial: before.serial, notAfter: before.notAfter.toISOString(), reused: true };
  }
  const ca = await caFromEnvironment();
  const pair = generateRsaKey();
  const { certificate, entry } = await issueCertificate({
    ca: ca.certificate,
    index: [],
    commonName: settings.commonName,
    profile: 'server',
    spki: pair.publicKey.export({ type: 'spki', format: 'der' }),
    now,
    days: settings.validityDays,
    signer: ca.signer,
    random: randomBytes,
  });
  const certificatePem = toPem('CERTIFICATE', certificate);
  const privateKeyPem = pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const problems = vpnCertificateProblems({
    purpose: 'server',
    caPem: ca.certificatePem,
    certPem: certificatePem,
    keyPem: privateKeyPem,
    now,
    caLabel: 'the stack CA',
  });
  if (problems.length > 0) {
    throw new CachegateError(
      'SERVER_CERTIFICATE_INVALID',
      `the new server certificate: ${problems.join('; ')}`,
    );
  }
  await importCertificate({
    certificateArn: settings.certificateArn,
    certificatePem,
    privateKeyPem,
    chainPem: ca.certificatePem,
  });
  const notAfter = new Date(now.getTime() + settings.validityDays * 86_400_000);
  return { serial: entry.serial, notAfter: notAfter.toISOString(), reused: false };
}

/** ACM's own view after the re-import: the new serial under the same ARN, no longer due. */
export async function verifyServerCertificate(
  settings: ServerCertificateRenewalSettings,
  expectedSerial: string,
  now: Date,
) {
  const certificate = await current(settings.certificateArn);
  if (!sameSerial(certificate.serial, expectedSerial)) {
    throw new ServerCertificateNotRenewedError(
      `ACM holds serial ${certificate.serial} under ${settings.certificateArn}, not the renewed ${expectedSerial}`,
    );
  }
  const decision = renewalDecision(certificate.notAfter, now, settings.renewBeforeDays);
  if (decision.due) {
    throw new ServerCertificateNotRenewedError(
      `the certificate under ${settings.certificateArn} still expires in ${decision.daysLeft} days`,
    );
  }
  return {
    serial: certificate.serial,
    notAfter: certificate.notAfter.toISOString(),
    daysLeft: decision.daysLeft,
  };
}

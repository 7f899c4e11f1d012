import { randomBytes } from 'node:crypto';
import { chmod, mkdir, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { DynamoDbCertIndex } from '../../../functions/aws/dynamodb-cert-index.js';
import { kmsCaSigner, kmsPublicKey } from '../../../functions/aws/kms-ca-signer.js';
import { putSecretString, readCurrentSecretVersion } from '../../../functions/aws/secrets.js';
import { CERTIFICATES_TABLE } from '../../../functions/aws/table-definitions.js';
import {
  CachegateError,
  ConflictError,
  NotFoundError,
  ValidationError,
} from '../../../functions/core/errors.js';
import {
  issueCertificate,
  validateCaName,
  validateCommonName,
} from '../../../functions/core/pki/ca-operations.js';
import {
  buildCaCertificate,
  DEFAULT_CA_DAYS,
  DEFAULT_CERT_DAYS,
  generateRsaKey,
  randomSerial,
} from '../../../functions/core/pki/certificate-builder.js';
import { fromPem, toPem } from '../../../functions/core/pki/pem.js';
import { parseCertificate, type ParsedCertificate } from '../../../functions/core/pki/x509.js';
import { vpnCertificateProblems } from '../../../functions/core/vpn/certificate-checks.js';
import { writeFileAtomic } from '../pki/easyrsa-store.js';
import { SECRET_ARN } from './secret-certificate.js';

/**
 * The stack's CA (infra/constructs/certificate-authority.ts) seen from an operator's machine: the
 * signing key in KMS (never exported), the CA certificate PEM in a Secrets Manager secret, the
 * certificate index in DynamoDB. `ca-init` fills the certificate secret once; `bootstrap` issues
 * the Client VPN server certificate from the same CA, so the endpoint's server certificate, the
 * client certificates the issue-certificate workflow signs and the CRLs the revocation workflows
 * sign all share one CA (docs/vpn-access.md).
 */
export interface StackCaRef {
  /** ARN of the KMS key (RSA_2048, SIGN_VERIFY): CA_KMS_KEY_ARN of the stack's Lambdas. */
  kmsKeyArn: string;
  /** ARN of the secret holding the CA certificate PEM: CA_CERT_SECRET_ARN. */
  caSecretArn: string;
}

const KMS_KEY_ARN =
  /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[0-9a-f-]{36}$|^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/mrk-[0-9a-f]{32}$/;
const TABLE_NAME = /^[A-Za-z0-9_.-]{3,255}$/;

function checkRef(ref: StackCaRef): void {
  if (!KMS_KEY_ARN.test(ref.kmsKeyArn))
    throw new ValidationError('must be the ARN of a KMS key', 'kms-key-arn');
  if (!SECRET_ARN.test(ref.caSecretArn)) {
    throw new ValidationError('must be the ARN of a Secrets Manager secret', 'ca-secret-arn');
  }
}

/** The region an ARN names (the CLI uses it when neither --region nor AWS_REGION is set). */
export const regionOfArn = (arn: string): string | undefined =>
  /^arn:[^:]+:[^:]+:([a-z0-9-]+):/.exec(arn)?.[1];

async function readSecretText(secretArn: string): Promise<string> {
  let current;
  try {
    current = await readCurrentSecretVersion(secretArn);
  } catch (error) {
    throw new CachegateError(
      'SECRET_READ_FAILED',
      `GetSecretValue for ${secretArn} failed (${(error as Error).name})`,
      { cause: error },
    );
  }
  if (current === undefined)
    throw new NotFoundError(`secret ${secretArn} does not exist, or has no value yet`);
  return current.value;
}

/** The certificate PEM in `text`, parsed; undefined when it is not one (e.g. the generated placeholder). */
function certificateIn(text: string | undefined): { pem: string; cert: ParsedCertificate } | undefined {
  if (text === undefined || !text.includes('-----BEGIN CERTIFICATE-----')) return undefined;
  try {
    const der = fromPem(text, 'CERTIFICATE', 'CA certificate');
    return { pem: toPem('CERTIFICATE', der), cert: parseCertificate(der, 'CA certificate') };
  } catch {
    return undefined;
  }
}

export interface CaInitOptions extends StackCaRef {
  cn: string;
  days?: number;
  now: Date;
}

export interface CaInitResult {
  created: boolean;
  certificatePem: string;
  notAfter: string;
}

/**
 * Fills the stack's CA certificate secret with a self-signed CA certificate over the KMS key,
 * signed by KMS. Idempotent: a secret that already holds a certificate over that key is kept.
 * A certificate over another key is never replaced: every certificate issued so far chains to it.
 */
export async function initStackCa(options: CaInitOptions): Promise<CaInitResult> {
  checkRef(options);
  const commonName = validateCaName(options.cn, 'cn');
  const spki = await kmsPublicKey(options.kmsKeyArn);
  const existing = certificateIn(await readSecretText(options.caSecretArn).catch(notFoundAsEmpty));
  if (existing) {
    if (!existing.cert.spki.equals(spki)) {
      throw new ValidationError(
        `${options.caSecretArn} already holds a CA certificate over another key; a CA is never replaced in place (every issued certificate chains to it)`,
        'ca-secret-arn',
      );
    }
    return { created: false, certificatePem: existing.pem, notAfter: existing.cert.notAfter.toISOString() };
  }
  const der = await buildCaCertificate({
    commonName,
    spki,
    serial: randomSerial(randomBytes),
    now: options.now,
    days: options.days ?? DEFAULT_CA_DAYS,
    signer: kmsCaSigner(options.kmsKeyArn),
  });
  const certificatePem = toPem('CERTIFICATE', der);
  try {
    await putSecretString(options.caSecretArn, certificatePem);
  } catch (error) {
    throw new CachegateError(
      'SECRET_WRITE_FAILED',
      `PutSecretValue for ${options.caSecretArn} failed (${(error as Error).name})`,
      { cause: error },
    );
  }
  return { created: true, certificatePem, notAfter: parseCertificate(der).notAfter.toISOString() };
}

function notFoundAsEmpty(error: unknown): undefined {
  if (error instanceof NotFoundError) return undefined;
  throw error;
}

/** The stack's CA certificate, checked against its KMS key (a mismatch would sign certificates nobody can verify). */
async function stackCaCertificate(
  ref: StackCaRef,
  now: Date,
): Promise<{ pem: string; cert: ParsedCertificate }> {
  const [text, spki] = await Promise.all([readSecretText(ref.caSecretArn), kmsPublicKey(ref.kmsKeyArn)]);
  const ca = certificateIn(text);
  if (!ca) {
    throw new ValidationError(
      `${ref.caSecretArn} holds no CA certificate yet; fill it first with "cachegate vpn ca-init --kms-key-arn ${ref.kmsKeyArn} --ca-secret-arn ${ref.caSecretArn}"`,
      'ca-secret-arn',
    );
  }
  if (!ca.cert.spki.equals(spki)) {
    throw new ValidationError(
      `the CA certificate in ${ref.caSecretArn} is not over the key ${ref.kmsKeyArn}`,
      'kms-key-arn',
    );
  }
  if (ca.cert.notAfter.getTime() <= now.getTime()) {
    throw new ValidationError(
      `the CA certificate expired on ${ca.cert.notAfter.toISOString()}`,
      'ca-secret-arn',
    );
  }
  return ca;
}

export interface StackBootstrapOptions extends StackCaRef {
  /** The certificates table (CERTIFICATES_TABLE of the stack's Lambdas): the server certificate is recorded there. */
  table: string;
  out: string;
  serverCn?: string;
  days?: number;
  now: Date;
}

export interface StackBootstrapResult {
  serverCn: string;
  serial: string;
  certificate: string;
  privateKey: string;
  certificateChain: string;
  importCommand: string;
}

/**
 * Issues the Client VPN server certificate from the stack's CA and stages it for
 * `aws acm import-certificate`: the key pair is generated here, KMS signs the certificate, and the
 * certificate is recorded in the stack's index (so `cachegate revoke` can revoke it and no client
 * certificate can take its CN). Writes `<out>/server.crt`, `server.key` (0600) and `ca-chain.crt`
 * (the stack's CA certificate) in a 0700 directory. The CA key never leaves KMS.
 */
export async function bootstrapFromStackCa(options: StackBootstrapOptions): Promise<StackBootstrapResult> {
  checkRef(options);
  if (!TABLE_NAME.test(options.table)) throw new ValidationError('must be a DynamoDB table name', 'table');
  const serverCn = validateCommonName(options.serverCn ?? 'server', 'server-cn');
  const days = options.days ?? DEFAULT_CERT_DAYS;
  const ca = await stackCaCertificate(options, options.now);
  // DynamoDbCertIndex takes its table from the variable the stack sets on its Lambdas.
  const previousTable = process.env[CERTIFICATES_TABLE.envVar];
  process.env[CERTIFICATES_TABLE.envVar] = options.table;
  const index = new DynamoDbCertIndex();
  const serial = randomSerial(randomBytes).toString('hex').toUpperCase();
  const requestId = `vpn-server-certificate-${serial}`;
  const dir = resolve(options.out);
  const paths = {
    certificate: join(dir, 'server.crt'),
    privateKey: join(dir, 'server.key'),
    certificateChain: join(dir, 'ca-chain.crt'),
  };
  let reserved = false;
  try {
    await index.reserve(requestId, serverCn, serial, options.now).catch((error: unknown) => {
      if (!(error instanceof ConflictError) || !error.message.endsWith('; revoke it first')) throw error;
      throw new ConflictError(
        `${error.message.replace(/; revoke it first$/, '')}: to renew, revoke it ("cachegate revoke --cn ${serverCn} --reason superseded --state-machine-arn <cachegate-revoke-certificate ARN> --wait") and bootstrap again`,
      );
    });
    reserved = true;
    const pair = generateRsaKey();
    const { certificate } = await issueCertificate({
      ca: ca.cert,
      index: [],
      commonName: serverCn,
      profile: 'server',
      spki: pair.publicKey.export({ type: 'spki', format: 'der' }),
      now: options.now,
      days,
      signer: kmsCaSigner(options.kmsKeyArn),
      random: () => Buffer.from(serial, 'hex'),
    });
    const certPem = toPem('CERTIFICATE', certificate);
    const keyPem = pair.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
    const problems = vpnCertificateProblems({
      purpose: 'server',
      caPem: ca.pem,
      certPem,
      keyPem,
      now: options.now,
      caLabel: 'the stack CA',
    });
    if (problems.length > 0) {
      throw new CachegateError(
        'SERVER_CERTIFICATE_INVALID',
        `the issued server certificate: ${problems.join('; ')}`,
      );
    }
    await index.attachCertificate(requestId, certPem);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await chmod(dir, 0o700);
    await writeFileAtomic(paths.certificate, certPem);
    await writeFileAtomic(paths.privateKey, keyPem, 0o600);
    await writeFileAtomic(paths.certificateChain, ca.pem);
    await index.record(requestId, parseCertificate(certificate).notAfter);
  } catch (error) {
    // Nothing half-done stays: the CN is freed (a signed, unrecorded certificate is listed as revoked).
    if (reserved) {
      await Promise.all(Object.values(paths).map((p) => rm(p, { force: true })));
      await index.release(requestId, options.now);
    }
    throw error;
  } finally {
    if (previousTable === undefined) delete process.env[CERTIFICATES_TABLE.envVar];
    else process.env[CERTIFICATES_TABLE.envVar] = previousTable;
  }
  const fileb = (p: string): string => `fileb://${p}`;
  const importCommand = [
    'aws acm import-certificate',
    `--certificate ${fileb(paths.certificate)}`,
    `--private-key ${fileb(paths.privateKey)}`,
    `--certificate-chain ${fileb(paths.certificateChain)}`,
  ].join(' ');
  return { serverCn, serial, ...paths, importCommand };
}

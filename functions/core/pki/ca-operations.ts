import { encodeTime } from './asn1-time.js';
import { REVOKE_REASONS, type CertIndexEntry, type RevocationReason } from './cert-index.js';
import { addDays, randomSerial, signCertificate, type CertProfile } from './certificate-builder.js';
import type { CaSigner } from './signer.js';
import { caKeyId, type ParsedCertificate } from './x509.js';
import { ConflictError, NotFoundError, ValidationError } from '../errors.js';

/**
 * Issue and revoke as pure operations on the index: they validate everything, sign, and return the
 * new index; the store persists the result only after they succeed.
 */
export const COMMON_NAME = /^[A-Za-z0-9][A-Za-z0-9._@+-]{0,63}$/;

export function validateCommonName(cn: string, field = 'cn'): string {
  if (!COMMON_NAME.test(cn)) {
    throw new ValidationError(
      'must be 1-64 characters of letters, digits and . _ @ + - (it names the easy-rsa files), starting with a letter or digit',
      field,
    );
  }
  return cn;
}

/** A CA name only appears in certificates (not in file names): spaces allowed, no `/` (openssl DN syntax). */
export function validateCaName(cn: string, field = 'cn'): string {
  const printable = [...cn].every((c) => c.charCodeAt(0) >= 0x20 && c.charCodeAt(0) !== 0x7f && c !== '/');
  if (!printable || cn.length < 1 || cn.length > 64 || cn.trim() !== cn) {
    throw new ValidationError('must be 1-64 printable characters without "/" or surrounding spaces', field);
  }
  return cn;
}

export function parseRevokeReason(text: string | undefined): RevocationReason | undefined {
  if (text === undefined) return undefined;
  const reason = REVOKE_REASONS.find((r) => r.toLowerCase() === text.toLowerCase());
  if (!reason)
    throw new ValidationError(`unknown reason "${text}"; use one of ${REVOKE_REASONS.join(', ')}`, 'reason');
  return reason;
}

export function parseSerial(text: string): string {
  const hex = text.replace(/^0x/i, '').replace(/:/g, '');
  if (!/^[0-9A-Fa-f]{1,40}$/.test(hex))
    throw new ValidationError('must be a hexadecimal serial number', 'serial');
  const trimmed = hex.replace(/^0+(?=.)/, '').toUpperCase();
  return trimmed.length % 2 ? `0${trimmed}` : trimmed;
}

export interface IssueRequest {
  readonly ca: ParsedCertificate;
  readonly index: readonly CertIndexEntry[];
  readonly commonName: string;
  readonly profile: Exclude<CertProfile, 'ca'>;
  readonly spki: Buffer;
  readonly now: Date;
  readonly days: number;
  readonly signer: CaSigner;
  readonly random: (size: number) => Buffer;
  /**
   * A renewal: the serial of the CN's current certificate, which may stay valid beside the new one
   * during its grace period (functions/core/pki/renewal.ts). Any other valid certificate for the CN
   * still refuses the issue.
   */
  readonly replacing?: string;
}

export interface IssueResult {
  readonly entry: CertIndexEntry;
  readonly certificate: Buffer;
  readonly index: CertIndexEntry[];
}

export async function issueCertificate(req: IssueRequest): Promise<IssueResult> {
  validateCommonName(req.commonName);
  if (!Number.isInteger(req.days) || req.days < 1 || req.days > 3650) {
    throw new ValidationError('must be a whole number of days between 1 and 3650', 'days');
  }
  if (
    req.index.some((e) => e.status === 'V' && e.commonName === req.commonName && e.serial !== req.replacing)
  ) {
    throw new ConflictError(`a valid certificate for CN "${req.commonName}" already exists; revoke it first`);
  }
  const notAfter = addDays(req.now, req.days);
  if (notAfter.getTime() > req.ca.notAfter.getTime()) {
    throw new ValidationError(
      `certificate would outlive the CA (CA expires ${req.ca.notAfter.toISOString()})`,
      'days',
    );
  }
  const used = new Set(req.index.map((e) => e.serial));
  let serial = randomSerial(req.random);
  while (used.has(serial.toString('hex').toUpperCase())) serial = randomSerial(req.random);
  const certificate = await signCertificate(
    {
      serial,
      issuer: req.ca.subject,
      subjectCn: req.commonName,
      notBefore: req.now,
      notAfter,
      spki: req.spki,
      profile: req.profile,
      authorityKeyId: caKeyId(req.ca),
    },
    req.signer,
  );
  const entry: CertIndexEntry = {
    status: 'V',
    serial: serial.toString('hex').toUpperCase(),
    commonName: req.commonName,
    subject: `/CN=${req.commonName}`,
    expires: encodeTime(notAfter).text,
    fileName: 'unknown',
  };
  return { entry, certificate, index: [...req.index, entry] };
}

export interface RevokeRequest {
  readonly index: readonly CertIndexEntry[];
  readonly commonName?: string;
  readonly serial?: string;
  readonly reason?: RevocationReason;
  readonly now: Date;
}

export function revokeCertificate(req: RevokeRequest): { entry: CertIndexEntry; index: CertIndexEntry[] } {
  if ((req.commonName === undefined) === (req.serial === undefined)) {
    throw new ValidationError('give exactly one of --cn or --serial', 'cn');
  }
  const serial = req.serial === undefined ? undefined : parseSerial(req.serial);
  const matches = req.index.filter((e) =>
    serial === undefined ? e.commonName === req.commonName : e.serial === serial,
  );
  const what = serial === undefined ? `CN "${req.commonName}"` : `serial ${serial}`;
  if (matches.length === 0) throw new NotFoundError(`no certificate with ${what} in the index`);
  const target = matches.find((e) => e.status === 'V');
  if (!target) {
    const revoked = matches.find((e) => e.status === 'R');
    throw new ConflictError(
      revoked
        ? `certificate with ${what} is already revoked`
        : `certificate with ${what} has expired (status E)`,
    );
  }
  const revokedEntry: CertIndexEntry = {
    ...target,
    status: 'R',
    revoked: encodeTime(req.now).text,
    ...(req.reason === undefined ? {} : { reason: req.reason }),
  };
  return { entry: revokedEntry, index: req.index.map((e) => (e === target ? revokedEntry : e)) };
}

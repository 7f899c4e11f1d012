import * as z from 'zod/mini';
import { CachegateError, ValidationError } from '../errors.js';

const DAY_MS = 86_400_000;

/** What starts renew-server-certificate: who asked. The certificate ARN is the stack's, never the caller's. */
export const renewServerCertificateRequestSchema = z.object({
  requestedBy: z.string().check(z.minLength(1), z.maxLength(128)),
  requestId: z.optional(z.string().check(z.minLength(1), z.maxLength(128))),
});

export interface ServerCertificateRenewalSettings {
  /** The ACM certificate the Client VPN endpoints use: renewed in place (re-import to this ARN). */
  certificateArn: string;
  /** Renew when the certificate expires within this many days. */
  renewBeforeDays: number;
  /** Validity of the new certificate. */
  validityDays: number;
  /** Common name of the new certificate (the one `cachegate vpn bootstrap` gave the first). */
  commonName: string;
}

const ACM_ARN = /^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[0-9a-f-]+$/;

function wholeDays(value: string | undefined, name: string, fallback: number, max: number): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > max)
    throw new ValidationError(`must be a whole number 1-${max}`, name);
  return n;
}

/** The renewal settings from a Lambda's environment (set by infra/constructs/server-certificate-renewal.ts). */
export function parseRenewalSettings(
  env: Record<string, string | undefined>,
): ServerCertificateRenewalSettings {
  const certificateArn = env.SERVER_CERTIFICATE_ARN ?? '';
  if (!ACM_ARN.test(certificateArn))
    throw new ValidationError('must be an ACM certificate ARN', 'SERVER_CERTIFICATE_ARN');
  const renewBeforeDays = wholeDays(
    env.SERVER_CERTIFICATE_RENEW_BEFORE_DAYS,
    'SERVER_CERTIFICATE_RENEW_BEFORE_DAYS',
    30,
    365,
  );
  const validityDays = wholeDays(env.SERVER_CERTIFICATE_DAYS, 'SERVER_CERTIFICATE_DAYS', 395, 3650);
  if (validityDays <= renewBeforeDays) {
    throw new ValidationError(
      `must exceed SERVER_CERTIFICATE_RENEW_BEFORE_DAYS (${renewBeforeDays}): a new certificate would be due at once`,
      'SERVER_CERTIFICATE_DAYS',
    );
  }
  return {
    certificateArn,
    renewBeforeDays,
    validityDays,
    commonName: env.SERVER_CERTIFICATE_CN || 'server',
  };
}

export interface RenewalDecision {
  due: boolean;
  /** Days until notAfter, one decimal; negative once expired. */
  daysLeft: number;
}

/** Due when the certificate expires within `renewBeforeDays` (or has expired). */
export function renewalDecision(notAfter: Date, now: Date, renewBeforeDays: number): RenewalDecision {
  const daysLeft = Math.floor(((notAfter.getTime() - now.getTime()) / DAY_MS) * 10) / 10;
  return { due: daysLeft < renewBeforeDays, daysLeft };
}

/**
 * Serials as ACM prints them (`0a:1b:...`) and as the CA writes them (`0A1B...`) compare equal.
 */
export function sameSerial(a: string, b: string): boolean {
  const plain = (s: string) => s.replace(/:/g, '').replace(/^0+/, '').toUpperCase();
  return plain(a) === plain(b);
}

/**
 * ACM does not hold the certificate the renewal imported (or it expires too soon): raised by
 * the verification step, which the workflow retries a few times before failing.
 */
export class ServerCertificateNotRenewedError extends CachegateError {
  override readonly name: string = 'ServerCertificateNotRenewedError';
  constructor(message: string) {
    super('SERVER_CERTIFICATE_NOT_RENEWED', message);
  }
}

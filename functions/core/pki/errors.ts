import { CachegateError } from '../errors.js';

/** A certificate, CSR, CRL, key or index file that cannot be parsed. Nothing was changed. */
export class MalformedInputError extends CachegateError {
  override readonly name: string = 'MalformedInputError';
  constructor(message: string) {
    super('MALFORMED_INPUT', message, { exitCode: 2 });
  }
}

/** A CRL would exceed the Client VPN quota of 20,000 entries: it is not built. */
export class CrlQuotaError extends CachegateError {
  override readonly name: string = 'CrlQuotaError';
  constructor(message: string) {
    super('CRL_QUOTA', message);
  }
}

/** A CRL failed verification (issuer, signature, expiry, entry count, dropped serial, number). */
export class CrlInvalidError extends CachegateError {
  override readonly name: string = 'CrlInvalidError';
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super('CRL_INVALID', `CRL rejected: ${problems.join('; ')}`);
    this.problems = problems;
  }
}

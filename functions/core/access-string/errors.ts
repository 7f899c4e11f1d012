import { ValidationError } from '../errors.js';

/**
 * Why a token was refused:
 * - `syntax` / `unknown-name`: Redis itself rejects it (`ACL SETUSER` fails);
 * - `elasticache`: valid Redis ACL, but ElastiCache refuses it (passwords, reset, selectors,
 *   restricted commands);
 * - `unsupported`: accepted by Redis, refused by cachegate because it is deprecated or ambiguous
 *   (first-arg rules, `%R` without `~`, patterns that can never take effect).
 */
export type AccessStringErrorReason = 'empty' | 'syntax' | 'unknown-name' | 'elasticache' | 'unsupported';

export class AccessStringError extends ValidationError {
  override readonly name: string = 'AccessStringError';
  /** 1-based number of the offending token, 0 when the string as a whole is wrong. */
  readonly tokenIndex: number;
  /** 0-based character offset of the offending token in the access string. */
  readonly position: number;
  readonly reason: AccessStringErrorReason;

  constructor(
    detail: string,
    options: { reason: AccessStringErrorReason; tokenIndex: number; position: number; token?: string },
  ) {
    const where =
      options.token === undefined
        ? ''
        : `token ${options.tokenIndex} ${JSON.stringify(options.token)} at position ${options.position}: `;
    super(`${where}${detail}`, 'access string');
    this.tokenIndex = options.tokenIndex;
    this.position = options.position;
    this.reason = options.reason;
  }
}

import { CachegateError } from '../errors.js';

/** The caller carries no identity API Gateway vouched for (IAM or Cognito). */
export class UnauthenticatedError extends CachegateError {
  override readonly name: string = 'UnauthenticatedError';
  constructor(message = 'the request carries no authenticated identity') {
    super('UNAUTHENTICATED', message, { exitCode: 2 });
  }
}

/** The caller is known but may not do this. */
export class ForbiddenError extends CachegateError {
  override readonly name: string = 'ForbiddenError';
  constructor(message: string) {
    super('FORBIDDEN', message, { exitCode: 2 });
  }
}

/** A body in a media type the route does not take (415): only `application/json` is parsed. */
export class UnsupportedMediaTypeError extends CachegateError {
  override readonly name: string = 'UnsupportedMediaTypeError';
  readonly field = 'Content-Type';
  constructor() {
    super('UNSUPPORTED_MEDIA_TYPE', 'Content-Type: must be application/json', { exitCode: 2 });
  }
}

/** A body over the route's size limit (413); it was not parsed. */
export class PayloadTooLargeError extends CachegateError {
  override readonly name: string = 'PayloadTooLargeError';
  readonly field = 'body';
  constructor(limit: number) {
    super('PAYLOAD_TOO_LARGE', `body: must be at most ${limit} bytes`, { exitCode: 2 });
  }
}

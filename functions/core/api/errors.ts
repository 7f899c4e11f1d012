import { CachegateError } from '../errors.js';

/** The caller carries no identity API Gateway vouched for (IAM or Cognito). */
export class UnauthenticatedError extends CachegateError {
  constructor(message = 'the request carries no authenticated identity') {
    super('UNAUTHENTICATED', message, { exitCode: 2 });
  }
}

/** The caller is known but may not do this. */
export class ForbiddenError extends CachegateError {
  constructor(message: string) {
    super('FORBIDDEN', message, { exitCode: 2 });
  }
}

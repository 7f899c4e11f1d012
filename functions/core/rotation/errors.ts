import { CachegateError } from '../errors.js';

/**
 * Rotation cannot start, or cannot go on, without a person looking: the user or its secret is
 * not in a state rotation can repair. Nothing was changed that could lock a client out.
 */
export class RotationRefusedError extends CachegateError {
  override readonly name: string = 'RotationRefusedError';
  constructor(message: string) {
    super('ROTATION_REFUSED', message, { exitCode: 1 });
  }
}

/** The connectivity probe's `AUTH user <pending>` was refused: the pending password is not live yet. */
export class PendingPasswordRejectedError extends CachegateError {
  override readonly name: string = 'PendingPasswordRejectedError';
  constructor(message: string) {
    super('PENDING_PASSWORD_REJECTED', message, { exitCode: 1 });
  }
}

/** The Secrets Manager rotation contract asked for a step before the service reached the state it needs. */
export class RotationNotReadyError extends CachegateError {
  override readonly name: string = 'RotationNotReadyError';
  constructor(message: string) {
    super('ROTATION_NOT_READY', message, { exitCode: 1 });
  }
}

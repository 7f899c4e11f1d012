/**
 * Typed errors with a stable `code`. The CLI maps them to exit codes and one-line messages;
 * handlers let them propagate so Step Functions can Retry/Catch on `name`.
 * Messages must never contain a secret (safety rule 1).
 *
 * Every error class writes its `name` out as a string: the Lambda bundles are minified without
 * esbuild's `keepNames` (it slowed every cold start, docs/cold-start.md), so a class's own name
 * is a letter there. test/unit/commons/error-names.test.ts refuses a class that forgets.
 */
export class CachegateError extends Error {
  override readonly name: string = 'CachegateError';
  readonly code: string;
  /** Process exit code the CLI uses: 2 for bad input/usage, 1 for operational failures. */
  readonly exitCode: number;

  constructor(code: string, message: string, options: { exitCode?: number; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.exitCode = options.exitCode ?? 1;
  }
}

/** Input that cannot be acted on: nothing was changed. */
export class ValidationError extends CachegateError {
  override readonly name: string = 'ValidationError';
  readonly field: string | undefined;

  constructor(message: string, field?: string) {
    super('VALIDATION', field ? `${field}: ${message}` : message, { exitCode: 2 });
    this.field = field;
  }
}

/** A named thing (user, certificate, endpoint...) does not exist. */
export class NotFoundError extends CachegateError {
  override readonly name: string = 'NotFoundError';
  constructor(message: string) {
    super('NOT_FOUND', message, { exitCode: 2 });
  }
}

/** The request conflicts with the current state (already revoked, already exists...). */
export class ConflictError extends CachegateError {
  override readonly name: string = 'ConflictError';
  constructor(message: string) {
    super('CONFLICT', message, { exitCode: 2 });
  }
}

/** Another workflow holds the user's claim: nothing was changed; try again once it ends. */
export class UserBusyError extends CachegateError {
  override readonly name: string = 'UserBusyError';
  constructor(message: string) {
    super('USER_BUSY', message, { exitCode: 1 });
  }
}

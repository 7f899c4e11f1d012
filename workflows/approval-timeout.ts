import { ValidationError } from '../functions/core/errors.js';

/** The approval window access-request.asl.json is written with (24 h). */
export const DEFAULT_APPROVAL_TIMEOUT_SECONDS = 86_400;
/** Bounds of a configured window: the whole access-request execution may run 14 days. */
export const APPROVAL_TIMEOUT_BOUNDS = { min: 300, max: 604_800 } as const;

/** A ValidationError naming `field` unless `seconds` is a whole number within the bounds. */
export function checkApprovalTimeout(seconds: number, field: string): number {
  if (
    !Number.isInteger(seconds) ||
    seconds < APPROVAL_TIMEOUT_BOUNDS.min ||
    seconds > APPROVAL_TIMEOUT_BOUNDS.max
  ) {
    throw new ValidationError(
      `must be a whole number of seconds from ${APPROVAL_TIMEOUT_BOUNDS.min} to ${APPROVAL_TIMEOUT_BOUNDS.max} (7 days)`,
      field,
    );
  }
  return seconds;
}

/**
 * access-request.asl.json with another approval window: the wait state's `TimeoutSeconds` and
 * the `timeoutSeconds` it passes to request-approval (which sizes the approval record's expiry)
 * set together. Applied to the text before it is deployed (AslWorkflow) or run (the local
 * runner), so the reviewed file keeps plain numbers. Throws if the file no longer has them.
 */
export function withApprovalTimeout(aslText: string, seconds: number): string {
  checkApprovalTimeout(seconds, 'approvals.timeoutSeconds');
  const definition = JSON.parse(aslText) as {
    States?: Record<string, { TimeoutSeconds?: unknown; Parameters?: { Payload?: Record<string, unknown> } }>;
  };
  const wait = definition.States?.RequestApproval;
  const payload = wait?.Parameters?.Payload;
  if (typeof wait?.TimeoutSeconds !== 'number' || typeof payload?.timeoutSeconds !== 'number') {
    throw new Error(
      'access-request.asl.json: RequestApproval has no numeric TimeoutSeconds and Payload.timeoutSeconds to set',
    );
  }
  wait.TimeoutSeconds = seconds;
  payload.timeoutSeconds = seconds;
  return `${JSON.stringify(definition, null, 2)}\n`;
}

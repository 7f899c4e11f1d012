/**
 * How a failed Step Functions run reads to a person: its `cause` is a Lambda error's
 * `{"errorType","errorMessage"}` JSON when a step threw, or plain text (a `Fail` state's cause,
 * `States.Timeout`'s). One rule for the CLI's messages and rotate-all's per-user summaries.
 */

/** The failed step's own message (a Lambda error's `errorMessage`), else the cause as is ('' when none). */
export function causeMessage(cause: string | undefined): string {
  if (!cause) return '';
  try {
    const parsed = JSON.parse(cause) as { errorMessage?: unknown };
    return typeof parsed?.errorMessage === 'string' ? parsed.errorMessage : cause;
  } catch {
    return cause;
  }
}

/** `<error>: <message>` in one line, leaving out whichever part is missing. */
export function failureReason(error: string | undefined, cause: string | undefined): string {
  return [error, causeMessage(cause)].filter((part) => part !== undefined && part !== '').join(': ');
}

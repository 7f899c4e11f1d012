import * as z from 'zod/mini';

/**
 * A configuration variable that holds JSON: unset or blank gives `empty`; text that is not JSON,
 * or that `read` refuses, is one issue with `message` (which describes the expected shape and never
 * repeats the text).
 */
export function jsonVariable<T>(empty: T, message: string, read: (json: unknown) => T = (json) => json as T) {
  return z.pipe(
    z.optional(z.string()),
    z.transform((text: string | undefined, ctx) => {
      if (text === undefined || text.trim() === '') return empty;
      try {
        return read(JSON.parse(text));
      } catch {
        // zod/mini's transform context has no addIssue: the issue goes on the payload directly.
        ctx.issues.push({ code: 'custom', message, input: text });
        return z.NEVER;
      }
    }),
  );
}

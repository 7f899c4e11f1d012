import type { z } from 'zod';
import { ValidationError } from './errors.js';

/**
 * Parses untrusted input with a zod schema. The error names the first bad field by its path
 * (e.g. `kind.accessString`) and never echoes the value, which could be a secret.
 */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.infer<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const field = issue && issue.path.length > 0 ? issue.path.join('.') : 'input';
  throw new ValidationError(issue?.message ?? 'invalid input', field);
}

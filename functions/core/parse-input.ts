import * as z from 'zod/mini';
import { ValidationError } from './errors.js';
import './zod-english.js';

/**
 * Parses untrusted input with a zod schema. The error names the first bad field by its path
 * (e.g. `kind.accessString`) and never echoes the value, which could be a secret.
 */
export function parseInput<S extends z.core.$ZodType>(schema: S, input: unknown): z.infer<S> {
  const result = z.safeParse(schema, input);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const field = issue && issue.path.length > 0 ? issue.path.join('.') : 'input';
  throw new ValidationError(issue?.message ?? 'invalid input', field);
}

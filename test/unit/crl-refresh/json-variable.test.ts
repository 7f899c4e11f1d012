import { describe, expect, it } from '@jest/globals';
import * as z from 'zod/mini';
import { jsonVariable } from '../../../functions/core/crl-refresh/json-variable.js';
import { parseInput } from '../../../functions/core/parse-input.js';

/** The JSON-holding configuration variables (endpoint locations, the maintenance window). */
describe('jsonVariable', () => {
  const schema = z.object({
    WINDOW: jsonVariable<number | undefined>(
      undefined,
      'must be JSON {"n": number}',
      (json) => z.object({ n: z.number() }).parse(json).n,
    ),
  });
  const read = (value: string | undefined) =>
    parseInput(schema, value === undefined ? {} : { WINDOW: value }).WINDOW;

  it('unset or blank is the empty value', () => {
    expect(read(undefined)).toBeUndefined();
    expect(read('')).toBeUndefined();
    expect(read('  \n')).toBeUndefined();
  });

  it('reads JSON through its reader', () => {
    expect(read('{"n": 3}')).toBe(3);
  });

  it('refuses text that is not JSON, or that the reader refuses, naming the variable and not repeating the text', () => {
    for (const text of ['{"n": 3', '{"n": "secret-looking"}', 'null']) {
      let error: unknown;
      try {
        read(text);
      } catch (caught) {
        error = caught;
      }
      expect(error).toMatchObject({ name: 'ValidationError', message: 'WINDOW: must be JSON {"n": number}' });
      expect(String((error as Error).message)).not.toContain(text);
    }
  });

  it('reports one custom issue on the variable, the kind zod gives a failed check of its own', () => {
    const result = z.safeParse(schema, { WINDOW: '{' });
    expect(result.success).toBe(false);
    expect(result.error?.issues).toEqual([
      expect.objectContaining({ code: 'custom', path: ['WINDOW'], message: 'must be JSON {"n": number}' }),
    ]);
  });
});

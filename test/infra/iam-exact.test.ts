/**
 * Every role's permissions, exactly: each Lambda function, state machine and other role in the
 * synthesized stack (example config, every capability on) is compared with its reviewed file in
 * test/infra/iam-expectations/ (`lambda/<function name>.json`, `states/<state machine>.json`,
 * `role/<logical ID>.json`). Widening a grant by one action, one resource or one condition fails
 * the test named after that function, listing the extra grant; so does a new role without a file.
 *
 * Changing a grant on purpose:
 *   1. change the construct;
 *   2. `npm run iam:update` (rewrites the files from a fresh synth, removes files of roles that
 *      are gone);
 *   3. review `git diff test/infra/iam-expectations` line by line: it is the permission change,
 *      and it goes in the same commit as the construct change, for the reviewer to sign off.
 *
 * The capability tests (rbac.test.ts, rotation.test.ts, ...) still say *why* a grant exists; this
 * test says nothing else slipped in.
 */
import { beforeAll, describe, expect, it } from '@jest/globals';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import {
  expectationFile,
  grantLines,
  roleSummaries,
  synthesizedResources,
  type RoleSummary,
} from './iam-policies.js';

const directory = join(import.meta.dirname, 'iam-expectations');

const reviewedKeys = readdirSync(directory, { recursive: true, withFileTypes: true })
  .filter((entry) => entry.isFile() && entry.name.endsWith('.json'))
  .map((entry) => relative(directory, join(entry.parentPath, entry.name)).replace(/\.json$/, ''))
  .sort();

let actual: Map<string, RoleSummary>;

beforeAll(() => {
  actual = roleSummaries(synthesizedResources());
});

const reviewed = (key: string): RoleSummary | undefined => {
  const file = join(directory, expectationFile(key));
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as RoleSummary) : undefined;
};

describe('IAM policies match their reviewed expectation files (npm run iam:update after a deliberate change)', () => {
  it('has a reviewed file for every role in the stack, and no file for a role that is gone', () => {
    expect({
      withoutReviewedFile: [...actual.keys()].filter((key) => !reviewedKeys.includes(key)),
      fileWithoutRole: reviewedKeys.filter((key) => !actual.has(key)),
    }).toEqual({ withoutReviewedFile: [], fileWithoutRole: [] });
  });

  it.each(reviewedKeys)('%s may do exactly what its reviewed file says', (key) => {
    const synthesized = actual.get(key);
    const expected = reviewed(key);
    if (!synthesized || !expected) throw new Error(`${key}: no synthesized role or no reviewed file`);
    const granted = grantLines(synthesized);
    const allowed = grantLines(expected);
    expect({
      role: key,
      extra: granted.filter((line) => !allowed.includes(line)),
      missing: allowed.filter((line) => !granted.includes(line)),
    }).toEqual({ role: key, extra: [], missing: [] });
    expect(synthesized).toEqual(expected);
  });
});

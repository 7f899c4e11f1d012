/**
 * `npm run iam:update`: rewrites test/infra/iam-expectations/ from the synthesized stack, one
 * file per Lambda function, state machine and other role. Run it after a deliberate change to a
 * grant, then review `git diff test/infra/iam-expectations` line by line before committing: that
 * diff is the permission change a reviewer signs off. Files of roles that no longer exist are removed.
 */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { format, resolveConfig } from 'prettier';
import { expectationFile, roleSummaries, synthesizedResources } from '../test/infra/iam-policies.js';

const root = join(import.meta.dirname, '..');
const directory = join(root, 'test', 'infra', 'iam-expectations');
mkdirSync(directory, { recursive: true });
const summaries = roleSummaries(synthesizedResources());
const written = new Set<string>();
for (const [key, summary] of summaries) {
  const file = join(directory, expectationFile(key));
  mkdirSync(dirname(file), { recursive: true });
  // Formatted as `npm run lint` expects, so a regenerated file passes the format check as is.
  const options = { ...(await resolveConfig(file)), filepath: file };
  writeFileSync(file, await format(JSON.stringify(summary), options));
  written.add(file);
}
let removed = 0;
for (const entry of readdirSync(directory, { recursive: true, withFileTypes: true })) {
  const file = join(entry.parentPath, entry.name);
  if (entry.isFile() && file.endsWith('.json') && !written.has(file)) {
    rmSync(file);
    removed += 1;
    console.log(`removed ${relative(root, file)}`);
  }
}
console.log(
  `${written.size} IAM expectation files written, ${removed} removed; review: git diff ${relative(root, directory)}`,
);

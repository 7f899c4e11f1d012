/**
 * `npm run mutate:changed`: StrykerJS on the lines of functions/core that differ from a base
 * (default: the merge base with origin/main, else main; MUTATE_BASE=<ref> to choose), against
 * the unit suites; what CI runs. Without a base to compare with, it mutates a fixed sample of
 * the core (SAMPLE below). Fails when fewer than 75 % of those mutants are killed.
 *
 * Changes under functions/aws are not mutated here: the adapters are exercised by the workflow
 * suites, too slow to rerun per mutant within CI's budget (`npm run mutate` does it locally).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { printScores } from './mutation-scores.js';

/** Mutated when no base is found: the rule of the worst survivor issue 21 found (docs/testing.md). */
export const SAMPLE = ['functions/core/rbac/default-user.ts'];

/** `file:first-last` for each added or changed hunk of a mutated core file in `git diff -U0`. */
export function changedRanges(diff: string): string[] {
  const ranges: string[] = [];
  let file: string | undefined;
  for (const line of diff.split('\n')) {
    const target = /^\+\+\+ (?:b\/)?(.+)$/.exec(line);
    if (target) {
      const path = target[1]!;
      file =
        path.startsWith('functions/core/') &&
        path.endsWith('.ts') &&
        !path.endsWith('-catalog.ts') &&
        !path.endsWith('/index.ts')
          ? path
          : undefined;
      continue;
    }
    const hunk = /^@@ -\S+ \+(\d+)(?:,(\d+))? @@/.exec(line);
    if (hunk && file) {
      const start = Number(hunk[1]);
      const count = hunk[2] === undefined ? 1 : Number(hunk[2]);
      if (count > 0) ranges.push(`${file}:${start}-${start + count - 1}`);
    }
  }
  return ranges;
}

function git(...args: string[]): string | undefined {
  try {
    return execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return undefined;
  }
}

function main() {
  const candidates = process.env.MUTATE_BASE ? [process.env.MUTATE_BASE] : ['origin/main', 'main'];
  const base = candidates.map((ref) => git('merge-base', ref, 'HEAD')).find(Boolean);
  let mutate: string[];
  if (base === undefined) {
    console.log(`no base to compare with (${candidates.join(', ')}): mutating the fixed sample`);
    mutate = SAMPLE;
  } else {
    // The working tree against the base: committed and uncommitted changes alike.
    mutate = changedRanges(git('diff', '-U0', base, '--', 'functions/core') ?? '');
    if (mutate.length === 0) {
      console.log(`no changed lines in functions/core since ${base.slice(0, 12)}: nothing to mutate`);
      return 0;
    }
    console.log(
      `mutating the lines of functions/core changed since ${base.slice(0, 12)}:\n  ${mutate.join('\n  ')}`,
    );
  }
  const run = spawnSync('npx', ['stryker', 'run', '--mutate', mutate.join(',')], {
    stdio: 'inherit',
    env: { ...process.env, MUTATE_PART: 'core', MUTATE_REPORT: 'changed', MUTATE_BREAK: '75' },
  });
  printScores(['changed']);
  return run.status ?? 1;
}

if (import.meta.url === `file://${process.argv[1]}`) process.exit(main());

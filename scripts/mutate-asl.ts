/**
 * `npm run mutate:asl [-- options]`: runs the workflow tests against each mutant of the ASL files
 * (scripts/asl-mutants.ts) and reports which mutants no test noticed. Slow (one Jest run per
 * mutant), so it is not part of `npm test`.
 *
 * It works on a scratch copy of the repository (node_modules linked), so the working tree is
 * never modified, even when the run is interrupted.
 *
 * Options:
 *   --machine <name>   only statemachines/<name>.asl.json (repeatable; default: every file)
 *   --kind <kind>      only retry | catch | choice | bound mutants (repeatable)
 *   --tests <path>     run these test files (repeatable; default: the test/workflows and
 *                      test/unit files that name the machine)
 *   --only <id>        only the mutant with this id, e.g. retry-3 (repeatable)
 *   --list             list the mutants without running anything
 *   --timeout <s>      a mutant whose tests run longer counts as killed by timeout (default 600)
 *
 * Writes reports/asl-mutation.json (and each mutant's Jest output in reports/asl-mutation/) and
 * prints one line per mutant and a score per machine.
 */
import { spawnSync } from 'node:child_process';
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { aslMutants, type MutantKind } from './asl-mutants.js';

const root = join(import.meta.dirname, '..');
const { values } = parseArgs({
  options: {
    machine: { type: 'string', multiple: true },
    kind: { type: 'string', multiple: true },
    tests: { type: 'string', multiple: true },
    only: { type: 'string', multiple: true },
    list: { type: 'boolean', default: false },
    timeout: { type: 'string', default: '600' },
  },
});

const machines = (
  values.machine ?? readdirSync(join(root, 'statemachines')).map((f) => basename(f, '.asl.json'))
)
  .filter((name) => !name.endsWith('.json'))
  .sort();
const kinds = values.kind ? new Set(values.kind as MutantKind[]) : undefined;
const timeoutMs = Number(values.timeout) * 1000;

/** Test files under test/workflows and test/unit that name the machine (`'offboard-user'`). */
function testsFor(machine: string): string[] {
  if (values.tests) return values.tests;
  const found: string[] = [];
  for (const dir of ['test/workflows', 'test/unit']) {
    for (const entry of readdirSync(join(root, dir), { recursive: true, withFileTypes: true })) {
      if (!entry.isFile() || !entry.name.endsWith('.test.ts')) continue;
      const file = join(entry.parentPath, entry.name);
      if (readFileSync(file, 'utf8').includes(`'${machine}'`)) found.push(relative(root, file));
    }
  }
  return found.sort();
}

interface Result {
  machine: string;
  id: string;
  kind: MutantKind;
  description: string;
  status: 'killed' | 'survived' | 'timeout' | 'no-tests';
  killedBy?: string;
  seconds: number;
}

const scratch = values.list ? '' : mkdtempSync(join(tmpdir(), 'cachegate-asl-mutants-'));
if (scratch) {
  for (const entry of readdirSync(root)) {
    if (
      [
        'node_modules',
        '.git',
        'dist',
        'coverage',
        'reports',
        '.cachegate',
        'cdk.out',
        '.stryker-tmp',
      ].includes(entry)
    )
      continue;
    cpSync(join(root, entry), join(scratch, entry), { recursive: true });
  }
  symlinkSync(join(root, 'node_modules'), join(scratch, 'node_modules'), 'dir');
}

function jest(tests: string[]) {
  return spawnSync(
    process.execPath,
    ['node_modules/jest/bin/jest.js', '--bail', '--silent', '--ci', ...tests],
    {
      cwd: scratch,
      encoding: 'utf8',
      timeout: timeoutMs,
      env: { ...process.env, NODE_OPTIONS: '--experimental-vm-modules --no-warnings' },
    },
  );
}

const logs = join(root, 'reports', 'asl-mutation');
if (!values.list) mkdirSync(logs, { recursive: true });
const results: Result[] = [];
try {
  for (const machine of machines) {
    const file = join('statemachines', `${machine}.asl.json`);
    const original = readFileSync(join(root, file), 'utf8');
    const mutants = aslMutants(JSON.parse(original), kinds).filter(
      (m) => !values.only || values.only.includes(m.id),
    );
    const tests = testsFor(machine);
    console.log(`\n${machine}: ${mutants.length} mutants; tests: ${tests.join(' ') || '(none)'}`);
    if (!values.list && tests.length > 0 && mutants.length > 0) {
      // The unmutated definition must pass first: a failure here is a broken or flaky test, and
      // every mutant would look killed.
      const baseline = jest(tests);
      writeFileSync(join(logs, `${machine}.baseline.log`), `${baseline.stdout}\n${baseline.stderr}`);
      if (baseline.error || baseline.status !== 0) {
        console.log(
          `  baseline FAILED: the tests fail without a mutant; see reports/asl-mutation/${machine}.baseline.log`,
        );
        process.exitCode = 1;
        continue;
      }
    }
    for (const mutant of mutants) {
      if (values.list) {
        console.log(`  ${mutant.id}  ${mutant.description}`);
        continue;
      }
      const started = Date.now();
      let status: Result['status'] = 'no-tests';
      let killedBy: string | undefined;
      if (tests.length > 0) {
        writeFileSync(join(scratch, file), `${JSON.stringify(mutant.definition, null, 2)}\n`);
        const run = jest(tests);
        writeFileSync(join(scratch, file), original);
        writeFileSync(join(logs, `${machine}.${mutant.id}.log`), `${run.stdout}\n${run.stderr}`);
        if (run.error) status = 'timeout';
        else if (run.status === 0) status = 'survived';
        else {
          status = 'killed';
          killedBy = /● (.+)$/m.exec(`${run.stdout}\n${run.stderr}`)?.[1]?.trim();
        }
      }
      const result: Result = {
        machine,
        id: mutant.id,
        kind: mutant.kind,
        description: mutant.description,
        status,
        ...(killedBy ? { killedBy } : {}),
        seconds: Math.round((Date.now() - started) / 1000),
      };
      results.push(result);
      console.log(
        `  ${status.padEnd(8)} ${mutant.id}  ${mutant.description}${killedBy ? `  ← ${killedBy}` : ''}`,
      );
    }
  }
} finally {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
}

if (!values.list) {
  console.log('\nscore per machine (killed + timeout / mutants with tests):');
  for (const machine of machines) {
    const own = results.filter((r) => r.machine === machine && r.status !== 'no-tests');
    const killed = own.filter((r) => r.status !== 'survived').length;
    if (own.length > 0) {
      console.log(`  ${machine}: ${killed}/${own.length} (${((100 * killed) / own.length).toFixed(1)}%)`);
    }
  }
  mkdirSync(join(root, 'reports'), { recursive: true });
  writeFileSync(join(root, 'reports', 'asl-mutation.json'), `${JSON.stringify(results, null, 2)}\n`);
  console.log('details: reports/asl-mutation.json');
}

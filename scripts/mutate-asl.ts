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
 *   --without <path>   leave this test file out, static checks included (repeatable): e.g. the
 *                      rotation parity check, which fails on any change to one rotation
 *                      workflow alone and so says nothing about what the workflow tests pin
 *   --list             list the mutants without running anything
 *   --timeout <s>      a mutant whose tests run longer counts as killed by timeout (default 900);
 *                      Jest's per-test limit is raised to the same, so a slow test is not a kill
 *   --scores           print the score of each machine's last full run, run nothing
 *
 * Writes reports/asl-mutation.json (and each mutant's Jest output in reports/asl-mutation/) and
 * prints one line per mutant and a score per machine.
 */
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import {
  cpSync,
  existsSync,
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
import type { AslCoverageLine } from './asl-coverage-recorder.js';
import { aslMutants, type AslMutant, type MutantKind } from './asl-mutants.js';

const root = join(import.meta.dirname, '..');
const aslValidator = createRequire(import.meta.url)('asl-validator') as (definition: unknown) => {
  isValid: boolean;
  errorsText: (separator?: string) => string;
};
const { values } = parseArgs({
  options: {
    machine: { type: 'string', multiple: true },
    kind: { type: 'string', multiple: true },
    tests: { type: 'string', multiple: true },
    only: { type: 'string', multiple: true },
    without: { type: 'string', multiple: true },
    list: { type: 'boolean', default: false },
    timeout: { type: 'string', default: '900' },
    scores: { type: 'boolean', default: false },
  },
});

const machines = (
  values.machine ?? readdirSync(join(root, 'statemachines')).map((f) => basename(f, '.asl.json'))
)
  .filter((name) => !name.endsWith('.json'))
  .sort();
const kinds = values.kind ? new Set(values.kind as MutantKind[]) : undefined;
const timeoutMs = Number(values.timeout) * 1000;

/** Test files under `dirs` whose text satisfies `test` (test/unit/mutation tests this tool). */
function testFiles(dirs: string[], test: (text: string) => boolean): string[] {
  const found: string[] = [];
  for (const dir of dirs) {
    for (const entry of readdirSync(join(root, dir), { recursive: true, withFileTypes: true })) {
      if (!entry.isFile() || !entry.name.endsWith('.test.ts')) continue;
      const file = relative(root, join(entry.parentPath, entry.name));
      if (!file.startsWith('test/unit/mutation/') && test(readFileSync(join(root, file), 'utf8')))
        found.push(file);
    }
  }
  return found.sort();
}

/** Test files under test/workflows and test/unit that name the machine (`'offboard-user'`). */
function testsFor(machine: string): string[] {
  const files =
    values.tests ?? testFiles(['test/workflows', 'test/unit'], (text) => text.includes(`'${machine}'`));
  return files.filter(kept);
}

function kept(file: string): boolean {
  return !(values.without ?? []).includes(file);
}

/**
 * Unit tests that read the definitions without running them (every Lambda task retries
 * throttling, the rotation workflows agree ...): quick, and run against every mutant.
 */
const staticTests = testFiles(['test/unit'], (text) =>
  /readAsl|loadDefinition|\.asl\.json/.test(text),
).filter(kept);

interface Result {
  machine: string;
  id: string;
  kind: MutantKind;
  description: string;
  /**
   * `no-coverage`: no test raised an error in the state (Retry, Catch) or entered it (Choice).
   * `invalid`: asl-validator refuses the mutant (a deployment would fail): not run, not scored.
   * `error`: the selected tests ran no test (not scored).
   */
  status: 'killed' | 'survived' | 'timeout' | 'no-coverage' | 'invalid' | 'error';
  killedBy?: string;
  /** How many tests ran against the mutant (or files, when they ran whole). */
  tests: number;
  seconds: number;
}

const scratch = values.list || values.scores ? '' : mkdtempSync(join(tmpdir(), 'cachegate-asl-mutants-'));
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

const coverageFile = scratch ? join(scratch, 'asl-coverage.jsonl') : '';
const resultFile = scratch ? join(scratch, 'jest-result.json') : '';

/** One Jest run; `names` narrows it to these tests (full names, as Jest reports them). */
function jest(tests: string[], options: { names?: string[]; recordCoverage?: boolean } = {}) {
  const escape = (name: string) => name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  // Test paths first: `--setupFilesAfterEnv` takes every value that follows it.
  const args = [
    'node_modules/jest/bin/jest.js',
    ...tests,
    '--silent',
    '--ci',
    '--json',
    `--outputFile=${resultFile}`,
    // A test slowed down by a loaded machine must not fail as if it noticed the mutant: only
    // the run's own limit (--timeout) ends a mutant that hangs, and that counts as a timeout.
    `--testTimeout=${timeoutMs}`,
  ];
  if (options.names) args.push(`--testNamePattern=^(?:${options.names.map(escape).join('|')})$`);
  if (options.recordCoverage)
    args.push('--setupFilesAfterEnv', join(scratch, 'scripts/asl-coverage-recorder.ts'));
  else args.push('--bail');
  rmSync(resultFile, { force: true });
  const run = spawnSync(process.execPath, args, {
    cwd: scratch,
    encoding: 'utf8',
    timeout: timeoutMs,
    env: {
      ...process.env,
      NODE_OPTIONS: '--experimental-vm-modules --no-warnings',
      ...(options.recordCoverage ? { ASL_COVERAGE_FILE: coverageFile } : {}),
    },
  });
  let ran = 0;
  const testNames = new Map<string, string[]>();
  const failed = new Set<string>();
  try {
    const result = JSON.parse(readFileSync(resultFile, 'utf8')) as {
      numPassedTests: number;
      numFailedTests: number;
      testResults: {
        name: string;
        assertionResults: { fullName: string; status: string }[];
      }[];
    };
    ran = result.numPassedTests + result.numFailedTests;
    for (const suite of result.testResults) {
      for (const test of suite.assertionResults) {
        if (test.status === 'failed') failed.add(`${relative(scratch, suite.name)} ${test.fullName}`);
      }
      testNames.set(
        relative(scratch, suite.name),
        suite.assertionResults.map((test) => test.fullName),
      );
    }
  } catch {
    // No result file: Jest did not get as far as writing one (timeout, crash): `run` says why.
  }
  return { ...run, ran, testNames, failed };
}

/** Which tests can notice a mutant: a Retry or Catch only where its state raised an error. */
function coveringTests(
  coverage: AslCoverageLine[],
  staticNames: string[],
  machine: string,
  mutant: AslMutant,
) {
  const reads = (line: AslCoverageLine) =>
    mutant.kind === 'retry' || mutant.kind === 'catch'
      ? line.failed.includes(mutant.state)
      : line.entered.includes(mutant.state);
  const lines = coverage.filter((line) => line.machine === machine && reads(line));
  const files = [...new Set(lines.map((line) => relative(scratch, line.testPath)))].sort();
  // A run outside any test (in a beforeAll) cannot be selected by name: run its files whole.
  const names = lines.some((line) => line.testName === '')
    ? undefined
    : [...new Set(lines.map((line) => line.testName))];
  return {
    covering: files.length,
    files: [...new Set([...files, ...staticTests])],
    names: names && [...names, ...staticNames],
  };
}

const logs = join(root, 'reports', 'asl-mutation');
if (scratch) mkdirSync(logs, { recursive: true });
const results: Result[] = [];
try {
  const plan = machines.map((machine) => {
    const file = join('statemachines', `${machine}.asl.json`);
    const original = readFileSync(join(root, file), 'utf8');
    const mutants = aslMutants(JSON.parse(original), kinds).filter(
      (m) => !values.only || values.only.includes(m.id),
    );
    return { machine, file, original, mutants, tests: testsFor(machine) };
  });
  let coverage: AslCoverageLine[] = [];
  let staticNames: string[] = [];
  let baselineSeconds = 0;
  let failedUnmutated = new Set<string>();
  if (scratch) {
    // The unmutated definitions must pass first (a failure here is a broken or flaky test, and
    // every mutant would look killed); the same run records which test reaches which state.
    const all = [...new Set([...plan.flatMap((p) => p.tests), ...staticTests])].sort();
    const started = Date.now();
    console.log(`baseline: ${all.length} test files, recording the states each test reaches`);
    const baseline = jest(all, { recordCoverage: true });
    const baselineLog = `${machines.length === 1 ? machines[0] : 'machines'}.baseline.log`;
    writeFileSync(join(logs, baselineLog), `${baseline.stdout}\n${baseline.stderr}`);
    baselineSeconds = Math.round((Date.now() - started) / 1000);
    if (baseline.error || baseline.ran === 0) {
      throw new Error(`the baseline run did not complete; see reports/asl-mutation/${baselineLog}`);
    }
    // A test that fails unmutated (broken, or flaky on a loaded machine) would make every mutant
    // it covers look killed: it is left out, and named.
    failedUnmutated = baseline.failed;
    if (baseline.status !== 0) {
      console.log(
        `baseline: ${baseline.failed.size} test(s) fail without a mutant and are not used` +
          ` (a suite that failed to load runs no test): see reports/asl-mutation/${baselineLog}\n  ` +
          [...baseline.failed].join('\n  '),
      );
    }
    console.log(`baseline ran in ${baselineSeconds} s`);
    staticNames = staticTests.flatMap((file) =>
      (baseline.testNames.get(file) ?? []).filter((name) => !failedUnmutated.has(`${file} ${name}`)),
    );
    coverage = readFileSync(coverageFile, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as AslCoverageLine)
      .filter((line) => !failedUnmutated.has(`${relative(scratch, line.testPath)} ${line.testName}`));
  }
  for (const { machine, file, original, mutants, tests } of plan) {
    if (values.scores) continue;
    console.log(`\n${machine}: ${mutants.length} mutants; tests: ${tests.join(' ') || '(none)'}`);
    const machineStarted = Date.now();
    for (const mutant of mutants) {
      if (values.list) {
        console.log(`  ${mutant.id}  ${mutant.description}`);
        continue;
      }
      const started = Date.now();
      let status: Result['status'] = 'no-coverage';
      let killedBy: string | undefined;
      const covering = coveringTests(coverage, staticNames, machine, mutant);
      if (!aslValidator(structuredClone(mutant.definition)).isValid) status = 'invalid';
      else if (covering.files.length > 0) {
        writeFileSync(join(scratch, file), `${JSON.stringify(mutant.definition, null, 2)}\n`);
        const run = jest(covering.files, { names: covering.names });
        writeFileSync(join(scratch, file), original);
        writeFileSync(join(logs, `${machine}.${mutant.id}.log`), `${run.stdout}\n${run.stderr}`);
        if (run.error) status = 'timeout';
        else if (run.status === 0) {
          // Only the static checks ran: no test executes the mutated state.
          status = run.ran === 0 ? 'error' : covering.covering === 0 ? 'no-coverage' : 'survived';
        } else {
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
        tests: covering.covering === 0 ? 0 : (covering.names?.length ?? covering.files.length),
        seconds: Math.round((Date.now() - started) / 1000),
      };
      results.push(result);
      console.log(
        `  ${status.padEnd(11)} ${mutant.id}  ${mutant.description}${killedBy ? `  ← ${killedBy}` : ''}`,
      );
    }
    if (scratch && !values.only && !values.kind) {
      // A whole machine's result, kept until the next full run of that machine.
      const machineReport: MachineReport = {
        machine,
        finished: new Date().toISOString(),
        seconds: Math.round((Date.now() - machineStarted) / 1000),
        baselineSeconds,
        tests,
        results: results.filter((r) => r.machine === machine),
      };
      writeFileSync(join(logs, `${machine}.json`), `${JSON.stringify(machineReport, null, 2)}\n`);
    }
  }
} finally {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
}

interface MachineReport {
  machine: string;
  finished: string;
  /** The mutants' runs; the shared baseline run is `baselineSeconds`. */
  seconds: number;
  baselineSeconds: number;
  tests: string[];
  results: Result[];
}

/** As StrykerJS counts: killed and timed out over every mutant, those no test reaches included. */
function scoreLine(own: Result[]): string {
  const count = (...statuses: Result['status'][]) => own.filter((r) => statuses.includes(r.status)).length;
  const scored = own.length - count('error', 'invalid');
  const killed = count('killed', 'timeout');
  return (
    `${killed}/${scored} (${scored === 0 ? 'n/a' : `${((100 * killed) / scored).toFixed(1)}%`}); ` +
    `survived ${count('survived')}, no coverage ${count('no-coverage')}` +
    (count('error') > 0 ? `, ${count('error')} ran no test (not scored)` : '') +
    (count('invalid') > 0 ? `, ${count('invalid')} invalid ASL (not scored)` : '')
  );
}

if (values.scores) {
  console.log('score per machine, last full run of each (reports/asl-mutation/<machine>.json):');
  for (const machine of machines) {
    const file = join(logs, `${machine}.json`);
    if (!existsSync(file)) {
      console.log(`  ${machine}: not measured`);
      continue;
    }
    const report = JSON.parse(readFileSync(file, 'utf8')) as MachineReport;
    console.log(
      `  ${machine}: ${scoreLine(report.results)}; ${report.seconds} s + baseline ${report.baselineSeconds} s, ${report.finished}`,
    );
  }
} else if (!values.list) {
  console.log(
    '\nscore per machine (killed + timeout) / mutants; survived = ran and passed, no coverage = no test reaches it:',
  );
  for (const machine of machines) {
    const own = results.filter((r) => r.machine === machine);
    if (own.length > 0) console.log(`  ${machine}: ${scoreLine(own)}`);
  }
  writeFileSync(join(root, 'reports', 'asl-mutation.json'), `${JSON.stringify(results, null, 2)}\n`);
  console.log('details: reports/asl-mutation.json, reports/asl-mutation/<machine>.json');
}

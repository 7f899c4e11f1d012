// @ts-check
/**
 * StrykerJS over the pure core and the AWS adapters: `npm run mutate` (docs/testing.md).
 *
 * Two parts, each with its own test set and incremental file, chosen by MUTATE_PART:
 * - `core` mutates functions/core against the unit suites only: the pure core is pinned by unit
 *   tests, and a workflow suite costs seconds of CPU per mutant (a sandbox, DynamoDB, the
 *   step-function runner) where a unit suite costs a fraction of one.
 * - `aws` mutates functions/aws against the unit and workflow suites: the adapters are exercised
 *   against the sandbox by the workflows.
 * `scripts/mutate.ts` (what `npm run mutate` runs) runs both and prints the score per folder.
 *
 * Each mutant runs only the test files that import the mutated file (`enableFindRelatedTests`)
 * and, within them, only the tests that reached the mutant in the dry run (coverage per test).
 * Incremental: a later run re-tests only the mutants whose code or covering tests changed.
 * Equivalent mutants that survive are listed with a reason in stryker-equivalent-mutants.md.
 *
 * @type {import('@stryker-mutator/api/core').PartialStrykerOptions}
 */
const part = process.env.MUTATE_PART ?? 'core';
if (part !== 'core' && part !== 'aws') {
  throw new Error(`MUTATE_PART must be "core" or "aws", got "${part}"`);
}

// Report and incremental file names: `changed` for `npm run mutate:changed` (CI).
const report = process.env.MUTATE_REPORT ?? part;
const defaultTests = part === 'core' ? 'test/unit' : 'test/unit,test/workflows';
// MUTATE_TESTS=test/unit/rbac (comma-separated folders) narrows the suites for a quick run.
const testFolders = (process.env.MUTATE_TESTS ?? defaultTests).split(',').filter(Boolean);

const mutate =
  part === 'core'
    ? [
        'functions/core/**/*.ts',
        // Command tables read from redis-server/valkey (tens of thousands of string literals); the
        // interop suite compares them with the real servers' COMMAND DOCS.
        '!functions/core/access-string/*-catalog.ts',
        // Interfaces and type re-exports only: nothing to mutate.
        '!functions/core/**/index.ts',
      ]
    : ['functions/aws/**/*.ts'];

export default {
  testRunner: 'jest',
  // Jest runs the TypeScript sources as native ESM, as in `npm test`.
  testRunnerNodeArgs: ['--experimental-vm-modules', '--no-warnings'],
  jest: {
    configFile: 'jest.config.js',
    config: {
      testMatch: testFolders.map((folder) => `<rootDir>/${folder}/**/*.test.ts`),
      // Runs a real Jest on fixture suites in a child process: it tests the reporter, not the code
      // under mutation, and costs seconds per run.
      testPathIgnorePatterns: ['/node_modules/', '/test/unit/summary-reporter/'],
      // The CLI suites need the built dist/; none of the suites selected here do.
      globalSetup: undefined,
      // Workflow suites reach the adapters through handlers the local runner imports by name.
      ...(part === 'aws' ? { dependencyExtractor: '<rootDir>/scripts/jest-handler-dependencies.js' } : {}),
      reporters: ['default'],
    },
    enableFindRelatedTests: true,
  },
  mutate,
  coverageAnalysis: 'perTest',
  // A static mutant (a module-level constant or table) is reached by every test that imports the
  // module, so it reruns whole suites in a fresh environment: measured on functions/core/vpn, 27 %
  // of the mutants and an estimated 78 % of the time. They are reported as ignored, not scored;
  // the tables that matter most (restricted commands, forbidden password characters) have tests
  // that name each entry.
  ignoreStatic: true,
  // The changed-lines run starts fresh: results kept from other lines would enter its score.
  incremental: report !== 'changed',
  incrementalFile: `reports/stryker-incremental-${report}.json`,
  ignorePatterns: ['dist', 'cdk.out', 'coverage', '.cachegate', 'reports', 'test-artifacts'],
  reporters: ['clear-text', 'progress-append-only', 'html', 'json'],
  clearTextReporter: { allowEmojis: false, logTests: false, reportScoreTable: true },
  htmlReporter: { fileName: `reports/mutation/${report}.html` },
  jsonReporter: { fileName: `reports/mutation/${report}.json` },
  thresholds: {
    high: part === 'core' ? 85 : 75,
    low: part === 'core' ? 75 : 60,
    // MUTATE_BREAK=75: exit 1 below that score (npm run mutate:changed in CI).
    break: process.env.MUTATE_BREAK ? Number(process.env.MUTATE_BREAK) : null,
  },
  concurrency: Number(process.env.MUTATE_CONCURRENCY ?? 1),
  // Added to the covering tests' own time: on two cores shared with busy test runs, a nice-19
  // mutant run was seen to wait over a minute for a CPU, and a false timeout counts as a kill.
  timeoutMS: 180_000,
  cleanTempDir: 'always',
};

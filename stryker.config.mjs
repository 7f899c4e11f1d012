// @ts-check
/**
 * StrykerJS over the pure core and the AWS adapters: `npm run mutate` (docs/testing.md).
 * Incremental: results are kept in reports/stryker-incremental.json, and a later run re-tests only
 * the mutants whose code or covering tests changed. Narrow a run to what you changed with
 * `npm run mutate -- --mutate 'functions/core/rbac/**\/*.ts'`.
 * Equivalent mutants that survive are listed with a reason in stryker-equivalent-mutants.md.
 *
 * @type {import('@stryker-mutator/api/core').PartialStrykerOptions}
 */
const testFolders = (process.env.MUTATE_TESTS ?? 'test/unit,test/workflows').split(',').filter(Boolean);

export default {
  testRunner: 'jest',
  // Jest runs the TypeScript sources as native ESM, as in `npm test`.
  testRunnerNodeArgs: ['--experimental-vm-modules', '--no-warnings'],
  jest: {
    configFile: 'jest.config.js',
    // The unit and workflow suites are the ones that run core and adapter code in-process; the
    // CLI suites test the built dist/ in child processes and the CDK suites synthesize templates.
    // MUTATE_TESTS=test/unit/rbac (comma-separated folders) narrows the suites for a quick run.
    config: {
      testMatch: testFolders.map((folder) => `<rootDir>/${folder}/**/*.test.ts`),
      globalSetup: undefined,
      reporters: ['default'],
    },
    enableFindRelatedTests: false,
  },
  mutate: ['functions/core/**/*.ts', 'functions/aws/**/*.ts'],
  coverageAnalysis: 'perTest',
  incremental: true,
  incrementalFile: 'reports/stryker-incremental.json',
  ignorePatterns: ['dist', 'cdk.out', 'coverage', '.cachegate', 'reports'],
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/mutation.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  thresholds: { high: 85, low: 75, break: null },
  concurrency: 1,
  timeoutMS: 60_000,
  cleanTempDir: 'always',
};

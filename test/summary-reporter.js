/**
 * Prints one plain closing line ("tests: N passed, N failed, N skipped") that CI log readers
 * parse. "failed" counts failing tests plus every suite that failed outside any test (it did not
 * load, a beforeAll/afterAll hook threw, a mandatory binary was missing): such a suite makes Jest
 * exit 1 while reporting no failing test, and the line must not say "0 failed" then.
 */
export function summaryLine(results) {
  const suitesFailedOutsideTests = results.testResults
    .filter((suite) => (suite.testExecError || suite.failureMessage) && suite.numFailingTests === 0)
    .map((suite) => suite.testFilePath);
  const failed = results.numFailedTests + suitesFailedOutsideTests.length;
  const notes = suitesFailedOutsideTests.map((path) => `suite failed outside any test: ${path}`);
  const line = `tests: ${results.numPassedTests} passed, ${failed} failed, ${results.numPendingTests} skipped`;
  return [...notes, line].join('\n');
}

export default class SummaryReporter {
  onRunComplete(_contexts, results) {
    process.stdout.write(`\n${summaryLine(results)}\n`);
  }
}

import { afterAll } from '@jest/globals';

/**
 * CI runs the suite in one process (two cores: Jest runs in band), so a test that runs CLI code
 * which sets `process.exitCode` (a failed run's "exit 1") makes `npm test` exit 1 after every
 * test passed, with no failure to read: CLI code run in-process sets it on failure, and Jest
 * sets it when something logs after a file's tests are done (a handler still running). Each
 * file must leave it unset: the file that does not fails here, by name (late work of the file
 * before it shows here too: Jest's "Cannot log after tests are done" above names it), and the
 * code is cleared so that the run's exit code is the tests' own.
 */
afterAll(() => {
  const code = process.exitCode;
  if (code !== undefined && code !== 0) {
    process.exitCode = undefined;
    throw new Error(
      `process.exitCode is ${code} at the end of this file: code run in-process set it (a CLI action on failure), or something logged after an earlier file's tests were done`,
    );
  }
});

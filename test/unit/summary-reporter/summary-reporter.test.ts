/**
 * The closing line of test/summary-reporter.js is what CI reads: run a real Jest on fixture
 * suites that fail in each way a suite can fail, and check the line counts every failure.
 */
import { describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const fixtures = join(import.meta.dirname, 'fixtures');
const reporter = join(process.cwd(), 'test/summary-reporter.js');

function jestOn(pattern: string): { status: number | null; lastLine: string; stdout: string } {
  const config = {
    rootDir: fixtures,
    testMatch: [`**/${pattern}.fixture.js`],
    transform: {},
    testEnvironment: 'node',
    reporters: [reporter],
  };
  const run = spawnSync(
    process.execPath,
    [join(process.cwd(), 'node_modules/jest/bin/jest.js'), '--config', JSON.stringify(config)],
    {
      encoding: 'utf8',
      env: { ...process.env, NODE_OPTIONS: '--experimental-vm-modules --no-warnings' },
    },
  );
  const lines = run.stdout.trim().split('\n');
  return { status: run.status, lastLine: lines.at(-1) ?? '', stdout: run.stdout };
}

describe('summary reporter', () => {
  it('counts suites that fail outside any test as failures and names them', () => {
    const run = jestOn('*');
    expect(run.status).toBe(1);
    // passes ×3 (one each in passes, fails-a-test, throws-in-after-all); failed: the failing
    // test, the test whose beforeAll threw, and the two suites with no failing test.
    expect(run.lastLine).toBe('tests: 3 passed, 4 failed, 0 skipped');
    expect(run.stdout).toMatch(/suite failed outside any test: .*fails-to-load\.fixture\.js/);
    expect(run.stdout).toMatch(/suite failed outside any test: .*throws-in-after-all\.fixture\.js/);
  });

  it('says 0 failed only when Jest passes', () => {
    const run = jestOn('passes');
    expect(run.status).toBe(0);
    expect(run.lastLine).toBe('tests: 1 passed, 0 failed, 0 skipped');
  });
});

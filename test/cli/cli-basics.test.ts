import { describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const cli = (...args: string[]) =>
  spawnSync(process.execPath, ['bin/cachegate', ...args], {
    encoding: 'utf8',
    env: { ...process.env, NODE_OPTIONS: '' },
  });

describe('cachegate CLI basics', () => {
  it('prints its version', () => {
    const { version } = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };
    const result = cli('--version');
    expect(result.status).toBe(0);
    expect(result.stdout.trim()).toBe(version);
  });

  it('lists its commands in --help', () => {
    const result = cli('--help');
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/Usage: cachegate/);
    expect(result.stdout).toMatch(/\bdemo\b/);
  });

  it('exits 2 with a clear message on an unknown command or option', () => {
    const unknownCommand = cli('frobnicate');
    expect(unknownCommand.status).toBe(2);
    expect(unknownCommand.stderr).toMatch(/unknown command 'frobnicate'/);
    const unknownOption = cli('demo', '--no-such-option');
    expect(unknownOption.status).toBe(2);
    expect(unknownOption.stderr).toMatch(/unknown option '--no-such-option'/);
  });
});

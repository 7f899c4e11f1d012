import { describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

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

  // bin/cachegate is also a /bin/sh script: run as a command, it drops NODE_EXTRA_CA_CERTS for
  // `crl build` only (Node.js 20 parses that bundle at start-up; the build opens no TLS connection).
  // A preloaded script reports what reached node (Node.js 24 reads the bundle only at its first TLS
  // connection, so a warning at start-up would not show it).
  describe('as a command (through /bin/sh)', () => {
    const preload = join(mkdtempSync(join(tmpdir(), 'cachegate-extra-ca-')), 'report.cjs');
    writeFileSync(
      preload,
      "process.stderr.write('extra CA: ' + (process.env.NODE_EXTRA_CA_CERTS ?? '(unset)') + '\\n');",
    );
    const asCommand = (...args: string[]) =>
      spawnSync('bin/cachegate', args, {
        encoding: 'utf8',
        env: {
          ...process.env,
          NODE_OPTIONS: `--require ${preload}`,
          NODE_EXTRA_CA_CERTS: '/nonexistent/extra-ca.pem',
        },
      });

    it('keeps NODE_EXTRA_CA_CERTS for every command but crl build', () => {
      const result = asCommand('--version');
      expect(result.status).toBe(0);
      expect(result.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
      expect(result.stderr).toContain('extra CA: /nonexistent/extra-ca.pem');
    });

    it('drops it for crl build and passes every argument through unchanged', () => {
      const result = asCommand('crl', 'build', '--store', 'no such store', '--out', 'x.pem');
      expect(result.status).toBe(2);
      expect(result.stderr).toContain('no such store is not a CA store');
      expect(result.stderr).toContain('extra CA: (unset)');
    });

    it('runs crl build from the CommonJS bundle as the main module, also through an npm-style symlink', () => {
      const links = mkdtempSync(join(tmpdir(), 'cachegate-bin-'));
      const link = join(links, 'cachegate');
      symlinkSync(resolve('bin/cachegate'), link);
      try {
        for (const command of ['bin/cachegate', link]) {
          const result = spawnSync(command, ['crl', 'build', '--store', 'no such store', '--out', 'x.pem'], {
            encoding: 'utf8',
            env: { ...process.env, NODE_OPTIONS: '', NODE_DEBUG: 'module' },
          });
          expect(result.status).toBe(2);
          expect(result.stderr).toContain('no such store is not a CA store');
          expect(result.stderr).toContain(`load "${resolve('dist/crl-build.cjs')}" for module "."`);
        }
        // What the bundle does not take as-is goes on to the full CLI (an ES module): commander's help.
        const help = spawnSync(link, ['crl', 'build', '--help'], { encoding: 'utf8' });
        expect(help.status).toBe(0);
        expect(help.stdout).toMatch(/^Usage: cachegate crl build \[options\]/);
      } finally {
        rmSync(links, { recursive: true, force: true });
      }
    });
  });
});

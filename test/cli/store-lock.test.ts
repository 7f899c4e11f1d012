import { describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseCrl } from '../../functions/core/pki/crl-verify.js';
import { fromPem } from '../../functions/core/pki/pem.js';
import { isStaleLock } from '../../bin/cli/pki/easyrsa-store.js';
import { runCli } from './run-cli.js';

/**
 * The CA store lock (operators drive one store from several terminals and scripts): concurrent
 * commands wait their turn instead of failing, a lock left by a killed process is recovered, and
 * contention that outlasts the wait is an operational failure (exit 1), not bad input (exit 2).
 */
function newStore(): string {
  return join(mkdtempSync(join(tmpdir(), 'cachegate-lock-')), 'pki');
}

async function initStore(store: string): Promise<void> {
  expect((await runCli(['pki', 'init', '--store', store, '--cn', 'Lock CA'])).status).toBe(0);
}

const serialOf = (stdout: string) => /serial ([0-9A-F]+)/.exec(stdout)?.[1] ?? '';

describe('cachegate CA store under concurrent commands', () => {
  it('10 concurrent cert issue and then 10 concurrent cert revoke all succeed; the next CRL lists all 10', async () => {
    const store = newStore();
    await initStore(store);
    const cns = Array.from({ length: 10 }, (_, i) => `client-${i}`);
    const issued = await Promise.all(
      cns.map((cn) => runCli(['cert', 'issue', '--store', store, '--cn', cn])),
    );
    expect(
      issued.map((r) => [r.status, r.stderr.replace(/cachegate: waiting for the store lock.*\n/g, '')]),
    ).toEqual(cns.map(() => [0, '']));
    const serials = issued.map((r) => serialOf(r.stdout));
    expect(new Set(serials).size).toBe(10);
    const revoked = await Promise.all(
      cns.map((cn) => runCli(['cert', 'revoke', '--store', store, '--cn', cn])),
    );
    expect(revoked.map((r) => r.status)).toEqual(cns.map(() => 0));
    const crlPath = join(store, '..', 'crl.pem');
    expect((await runCli(['crl', 'build', '--store', store, '--out', crlPath])).status).toBe(0);
    const crl = parseCrl(fromPem(readFileSync(crlPath, 'latin1'), 'X509 CRL', 'crl.pem'), 'crl.pem', {
      entries: 'serials',
    });
    expect(crl.entries.map((e) => e.serial).sort()).toEqual([...serials].sort());
  }, 180_000);

  it('a store left locked by a killed cert revoke works on the next command', async () => {
    const store = newStore();
    await initStore(store);
    expect((await runCli(['cert', 'issue', '--store', store, '--cn', 'alice'])).status).toBe(0);
    // A process that dies holding the lock: the lock file names its pid and host, then SIGKILL.
    const victim = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)']);
    writeFileSync(join(store, '.cachegate.lock'), `${victim.pid}\n${hostname()}\n`);
    victim.kill('SIGKILL');
    await new Promise((resolve) => victim.once('exit', resolve));
    const r = await runCli(['cert', 'revoke', '--store', store, '--cn', 'alice']);
    expect(r.status).toBe(0);
    expect(existsSync(join(store, '.cachegate.lock'))).toBe(false);
  }, 60_000);

  it('a live holder that outlasts the wait: exit 1 naming the holder, after a progress line', async () => {
    const store = newStore();
    await initStore(store);
    const holder = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)']);
    try {
      writeFileSync(join(store, '.cachegate.lock'), `${holder.pid}\n${hostname()}\n`);
      const r = await runCli(['cert', 'issue', '--store', store, '--cn', 'bob'], {
        CACHEGATE_STORE_LOCK_TIMEOUT_SECONDS: '1',
      });
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(
        new RegExp(`waiting for the store lock held by cachegate process ${holder.pid}`),
      );
      expect(r.stderr).toMatch(/still locked by cachegate process \d+ .* after \d+ s/);
      expect(existsSync(join(store, 'issued', 'bob.crt'))).toBe(false);
    } finally {
      holder.kill('SIGKILL');
    }
  }, 60_000);
});

describe('isStaleLock', () => {
  const alive = (pid: number) => pid === 42;
  it('judges a dead pid of this host stale, never a live one or one of another host', () => {
    expect(isStaleLock({ pid: 7, host: 'h', modifiedMs: 0, text: '' }, 'h', 0, alive)).toBe(true);
    expect(isStaleLock({ pid: 42, host: 'h', modifiedMs: 0, text: '' }, 'h', 0, alive)).toBe(false);
    expect(isStaleLock({ pid: 7, host: 'other', modifiedMs: 0, text: '' }, 'h', 0, alive)).toBe(false);
  });
  it('judges a lock naming no holder stale only after the grace period', () => {
    expect(isStaleLock({ modifiedMs: 0, text: '' }, 'h', 5_000, alive)).toBe(false);
    expect(isStaleLock({ modifiedMs: 0, text: '' }, 'h', 11_000, alive)).toBe(true);
  });
});

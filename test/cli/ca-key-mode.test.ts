import { describe, expect, it } from '@jest/globals';
import { chmodSync, existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from './run-cli.js';

/**
 * A CA private key that group or others may read is refused (exit 2) by every command that signs
 * with it or imports it; `--allow-insecure-key` turns the refusal into a warning (docs/pki.md).
 */
async function storeWithKeyMode(mode: number): Promise<string> {
  const store = join(mkdtempSync(join(tmpdir(), 'cachegate-keymode-')), 'pki');
  expect((await runCli(['pki', 'init', '--store', store, '--cn', 'Key Mode CA'])).status).toBe(0);
  chmodSync(join(store, 'private', 'ca.key'), mode);
  return store;
}

describe('CA key mode', () => {
  it('a CA key open to group and others (0644) is refused with exit 2 naming the file and the fix; nothing is issued', async () => {
    const store = await storeWithKeyMode(0o644);
    const index = readFileSync(join(store, 'index.txt'), 'utf8');
    const r = await runCli(['cert', 'issue', '--store', store, '--cn', 'alice']);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(
      `CA private key ${join(store, 'private', 'ca.key')} is open to group and others (mode 0644): chmod 600 it, or pass --allow-insecure-key`,
    );
    expect(readFileSync(join(store, 'index.txt'), 'utf8')).toBe(index);
    expect(existsSync(join(store, 'issued', 'alice.crt'))).toBe(false);
  }, 60_000);

  it('crl build and pki import-easyrsa refuse a key open to group (0640) too', async () => {
    const store = await storeWithKeyMode(0o640);
    const crl = await runCli(['crl', 'build', '--store', store, '--out', join(store, '..', 'crl.pem')]);
    expect(crl.status).toBe(2);
    expect(crl.stderr).toMatch(/is open to group \(mode 0640\)/);
    const copy = await runCli(['pki', 'import-easyrsa', '--from', store, '--store', `${store}-copy`]);
    expect(copy.status).toBe(2);
    expect(existsSync(`${store}-copy`)).toBe(false);
  }, 60_000);

  it('with --allow-insecure-key the command warns and goes on; a 0600 key is used without a word', async () => {
    const store = await storeWithKeyMode(0o644);
    const allowed = await runCli(['cert', 'issue', '--store', store, '--cn', 'bob', '--allow-insecure-key']);
    expect(allowed.status).toBe(0);
    expect(allowed.stderr).toMatch(
      /^cachegate: warning: CA private key .* is open to group and others \(mode 0644\).*used anyway \(--allow-insecure-key\)$/m,
    );
    chmodSync(join(store, 'private', 'ca.key'), 0o600);
    const quiet = await runCli(['cert', 'issue', '--store', store, '--cn', 'carol']);
    expect(quiet.status).toBe(0);
    expect(quiet.stderr).toBe('');
  }, 60_000);
});

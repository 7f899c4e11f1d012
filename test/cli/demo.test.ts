import { afterAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from './run-cli.js';

/*
 * `npm start` is the main job: `cachegate demo` runs every workflow on the embedded sandbox. This
 * runs it (fast clock) as a user would, in a state folder of its own (other tests use
 * .cachegate/), and checks it reached every chapter and wrote the audit trail it narrates.
 */
const stateDir = mkdtempSync(join(tmpdir(), 'cachegate-demo-'));
afterAll(() => rmSync(stateDir, { recursive: true, force: true }));

const demo = () => runCli(['demo', '--fast'], { CACHEGATE_STATE_DIR: stateDir });

describe('cachegate demo (npm start)', () => {
  it('runs every chapter to the end on the sandbox and keeps one audit event per change', async () => {
    const result = await demo();
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const headings = result.stdout.split('\n').filter((l) => l.startsWith('━━'));
    expect(headings.map((h) => h.replace(/^━━ \d+\. /, ''))).toEqual([
      'Embedded sandbox',
      'ElastiCache RBAC: users, a locked default user, AUTH → RBAC migration',
      'Access request: API → Slack approval → a working cache user',
      'Client VPN access: from request to a working .ovpn',
      'Password rotation under the two-password limit (rotate-password)',
      'MemoryDB: the same workflows against users, ACLs and clusters',
      'IAM authentication: a Valkey user with no password',
      'ElastiCache Serverless (Valkey): a user group, IAM users, password → IAM',
      'Client VPN: revoke a certificate and refresh the CRL on every endpoint',
      'Certificate authority: easy-rsa store, CRL, and issue-certificate with KMS',
      'Audit trail (one event per change, identifiers only)',
      'Done',
    ]);
    expect(result.stdout).toContain('client: ');
    // The migration chapter: the token client never noticed; after finish the old token is refused.
    expect(result.stdout).toMatch(/token client: \d+ rounds .* 0 failed|AUTH checks are skipped/);
    expect(result.stdout).toMatch(/AUTH <the old token> → WRONGPASS|locked \S+ with a recorded reason/);
    expect(result.stdout).toMatch(/, 0 failed; the user never held more than 2 passwords/);
    const audit = readFileSync(join(stateDir, 'audit.jsonl'), 'utf8').trim().split('\n');
    const actions = audit.map((line) => (JSON.parse(line) as { detailType: string }).detailType);
    for (const action of [
      'UserCreated',
      'MigratedToRbac',
      'DefaultUserLocked',
      'PasswordRotated',
      'CertificateRevoked',
      'CrlImported',
    ]) {
      expect(actions).toContain(action);
    }
    expect(audit.some((line) => line.includes('"service":"memorydb"'))).toBe(true);
  }, 120_000);
});

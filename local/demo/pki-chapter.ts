import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../../workflows/repo-root.js';
import { provisionSandboxCa } from '../sandbox-ca.js';
import type { DemoContext } from './demo-context.js';

/**
 * The certificate authority: the CLI on an easy-rsa store (init, issue two clients, revoke one,
 * build and verify the CRL), then the issue-certificate workflow on the sandbox, signing through
 * a KMS key and delivering the generated key in a Secrets Manager secret.
 */
export async function pkiChapter({ sandbox, narrator, run }: DemoContext): Promise<void> {
  narrator.heading('Certificate authority: easy-rsa store, CRL, and issue-certificate with KMS');
  const dir = mkdtempSync(join(tmpdir(), 'cachegate-demo-pki-'));
  const store = join(dir, 'pki');
  const cli = (...args: string[]): string => {
    const r = spawnSync(process.execPath, [join(repoRoot(), 'bin', 'cachegate'), ...args], {
      encoding: 'utf8',
    });
    if (r.status !== 0) throw new Error(`cachegate ${args.join(' ')} failed: ${r.stderr}`);
    return r.stdout.trim();
  };
  try {
    narrator.step(cli('pki', 'init', '--store', store, '--cn', 'Demo Store CA').split('\n')[0] ?? '');
    for (const cn of ['carol', 'dave']) {
      narrator.step(cli('cert', 'issue', '--store', store, '--cn', cn).split('\n')[0] ?? '');
    }
    narrator.step(cli('cert', 'revoke', '--store', store, '--cn', 'dave', '--reason', 'keyCompromise'));
    narrator.step(cli('crl', 'build', '--store', store, '--out', join(dir, 'crl.pem'), '--days', '30'));
    const report = JSON.parse(
      cli('crl', 'verify', '--ca', join(store, 'ca.crt'), '--crl', join(dir, 'crl.pem'), '--json'),
    ) as { valid: boolean; crlNumber: string; entries: number; daysUntilExpiry: number };
    narrator.detail(
      `crl verify: valid=${report.valid}, CRL number ${report.crlNumber}, ${report.entries} entry, ${report.daysUntilExpiry} days to nextUpdate`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  const ca = await provisionSandboxCa('Demo KMS CA', sandbox.clock.now());
  narrator.step(`CA key in KMS (RSA_2048, SIGN_VERIFY): ${ca.keyArn}`);
  narrator.detail(`CA certificate in Secrets Manager: ${ca.certificateSecretArn}`);
  const issued = await run('issue-certificate', {
    requestId: 'AR-DEMO-ERIN',
    type: 'vpn-certificate',
    commonName: 'erin',
  });
  const certificate = (issued.output as { certificate?: { serial: string; secretArn?: string } }).certificate;
  narrator.step(`issue-certificate ${issued.status}: serial ${certificate?.serial}`);
  narrator.detail(
    `key + certificate delivered in ${certificate?.secretArn} (the key never entered the workflow)`,
  );
}

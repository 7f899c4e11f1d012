import { afterEach, describe, expect, it } from '@jest/globals';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { createAwsClient } from '../../functions/aws/clients.js';
import { setCrlAuthority } from '../../functions/aws/crl-authority.js';
import { gatherPostureSnapshot } from '../../functions/aws/posture-snapshot.js';
import { auditPosture } from '../../functions/core/posture/audit.js';
import { DEFAULT_POSTURE_POLICY, FINDING_KINDS } from '../../functions/core/posture/findings.js';
import { createSandbox, type Sandbox } from '../../local/sandbox/index.js';
import { POSTURE_CACHE_SUBNET, seedPostureAccount } from '../../local/sandbox/posture-seed.js';

let sandbox: Sandbox | undefined;

afterEach(async () => {
  setCrlAuthority(undefined);
  await sandbox?.close();
  sandbox = undefined;
});

async function auditAccount(problems: boolean) {
  sandbox = await createSandbox({ speed: 0 });
  const account = await seedPostureAccount(sandbox, { problems });
  const snapshot = await gatherPostureSnapshot({
    region: sandbox.region,
    cacheSubnetCidrs: [POSTURE_CACHE_SUBNET],
    withCa: true,
  });
  const findings = auditPosture(snapshot, DEFAULT_POSTURE_POLICY, sandbox.clock.now());
  return { account, snapshot, findings };
}

const pairs = (list: { kind: string; resource: string }[]) =>
  list.map((f) => `${f.kind} ${f.resource}`).sort();

describe('cachegate audit on the sandbox account, through the AWS adapters', () => {
  it('finds nothing on the clean account, which still has one of everything the rules read', async () => {
    const { findings, snapshot } = await auditAccount(false);
    expect(findings).toEqual([]);
    expect(snapshot.caches.map((c) => c.kind).sort()).toEqual([
      'memorydb-cluster',
      'replication-group',
      'serverless-cache',
    ]);
    expect(snapshot.secrets).toHaveLength(2);
    expect(snapshot.vpnEndpoints).toHaveLength(1);
    expect(snapshot.vpnEndpoints[0]?.crl?.fromCa).toBe(true);
    expect(snapshot.clientCertificates.map((c) => c.commonName)).toEqual(['alice']);
  });

  it('reports every seeded problem, one of each kind, and nothing else', async () => {
    const { account, findings } = await auditAccount(true);
    expect(pairs(findings)).toEqual(pairs(account.problems));
    expect(new Set(findings.map((f) => f.kind))).toEqual(new Set(FINDING_KINDS));
  });

  it('carries no secret: no password of any user secret appears in the snapshot or the findings', async () => {
    const { snapshot, findings } = await auditAccount(true);
    const output = JSON.stringify({ snapshot, findings });
    const secrets = createAwsClient(SecretsManagerClient, {});
    expect(snapshot.secrets.length).toBeGreaterThan(5);
    for (const secret of snapshot.secrets) {
      const { SecretString } = await secrets.send(new GetSecretValueCommand({ SecretId: secret.arn }));
      const { password } = JSON.parse(SecretString as string) as { password: string };
      expect(output).not.toContain(password);
    }
  });
});

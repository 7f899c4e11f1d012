import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID, X509Certificate, createPrivateKey } from 'node:crypto';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { getRequest } from '../../functions/aws/access-requests-table.js';
import { createAwsClient } from '../../functions/aws/clients.js';
import { DynamoDbCertIndex } from '../../functions/aws/dynamodb-cert-index.js';
import { approvalIdFor } from '../../functions/core/access-request.js';
import { decideApproval } from '../../functions/use-cases/decide-approval.js';
import type { Approver, LocalExecution, LocalStateMachine } from '../../local/runner/local-state-machine.js';
import { createSandbox, type Sandbox } from '../../local/sandbox/index.js';
import type { Ec2ClientVpnModel } from '../../local/sandbox/models/ec2-client-vpn/index.js';
import type { EventBridgeModel } from '../../local/sandbox/models/eventbridge.js';
import { createTables } from '../../local/sandbox/tables.js';
import { provisionSandboxCa, type SandboxCa } from '../../local/sandbox-ca.js';
import { registerWorkflows } from '../../local/workflows.js';

/**
 * An access request of kind vpn-certificate, end to end on the sandbox: recorded, approved by
 * someone other than the requester, granted by the issue-certificate workflow that access-request
 * starts (registerWorkflows: the workflows start each other by ARN, as deployed), on the local CA
 * (KMS key + CA certificate in Secrets Manager), and closed.
 */
const APPROVERS = ['alice'];

let sandbox: Sandbox;
let ca: SandboxCa;
let machines: Record<string, LocalStateMachine>;
let nextDecision: { approver: string; decision: 'APPROVED' | 'REJECTED' } = {
  approver: 'alice',
  decision: 'APPROVED',
};
const events: { type: string; executionArn: string }[] = [];
const runs: LocalExecution[] = [];
const privateKeys: string[] = [];
const tokens: string[] = [];

const approver: Approver = async ({ token }) => {
  tokens.push(token);
  const { approver: who, decision } = nextDecision;
  // Approvers act later, from outside the workflow, knowing only the approval ID.
  setTimeout(() => {
    void decideApproval({
      approvalId: approvalIdFor(token),
      approver: who,
      decision,
      allowedApprovers: APPROVERS,
    });
  }, 5);
};

beforeAll(async () => {
  // The deployed configuration start-fulfilment re-checks the recorded decision against.
  process.env.APPROVERS = APPROVERS.join(',');
  sandbox = await createSandbox({ speed: 1000 });
  await createTables();
  ca = await provisionSandboxCa('Access Request VPN CA', sandbox.clock.now());
  machines = registerWorkflows({
    sandbox,
    approver,
    onEvent: (event, executionArn) => events.push({ type: JSON.stringify(event), executionArn }),
  });
}, 60_000);
afterAll(async () => {
  delete process.env.CA_KMS_KEY_ARN;
  delete process.env.CA_CERT_SECRET_ARN;
  await sandbox.close();
});

async function request(
  commonName: string,
  requester = 'bob',
): Promise<{ requestId: string; run: LocalExecution }> {
  const requestId = `req-${randomUUID()}`;
  const run = await machines['access-request']!.run({
    request: {
      requestId,
      requester,
      justification: 'VPN access to the orders cache for the on-call week',
      kind: { type: 'vpn-certificate', commonName },
    },
  });
  runs.push(run);
  return { requestId, run };
}

async function clientSecret(arn: string) {
  const secrets = createAwsClient(SecretsManagerClient, {});
  const { SecretString } = await secrets.send(new GetSecretValueCommand({ SecretId: arn }));
  const value = JSON.parse(SecretString ?? '{}') as { certificatePem: string; privateKeyPem: string };
  privateKeys.push(value.privateKeyPem);
  return value;
}

const auditOf = (requestId: string) =>
  sandbox
    .model<EventBridgeModel>('EventBridge')
    .events.filter((e) => (e.detail as { requestId?: string } | undefined)?.requestId === requestId);

describe('access request of kind vpn-certificate → approval → issue-certificate', () => {
  it('approved: issue-certificate issues the certificate on the CA, and the request closes fulfilled', async () => {
    nextDecision = { approver: 'alice', decision: 'APPROVED' };
    const { requestId, run } = await request('bob-laptop');
    expect(run.status).toBe('SUCCEEDED');
    expect(run.output).toEqual({ requestId, outcome: 'FULFILLED' });
    expect(await getRequest(requestId)).toMatchObject({ status: 'FULFILLED', decidedBy: 'alice' });

    // The child ran the real issue-certificate workflow under the access request's ID.
    const issued = await new DynamoDbCertIndex().issuance(requestId);
    expect(issued).toMatchObject({ commonName: 'bob-laptop', recorded: true });
    const entry = (await new DynamoDbCertIndex().entries()).find((e) => e.serial === issued!.serial);
    expect(entry).toMatchObject({ status: 'V', commonName: 'bob-laptop' });
    const stored = await clientSecret(issued!.secretArn!);
    const certificate = new X509Certificate(stored.certificatePem);
    expect(certificate.subject).toBe('CN=bob-laptop');
    expect(certificate.verify(new X509Certificate(ca.certificatePem).publicKey)).toBe(true);
    expect(certificate.checkPrivateKey(createPrivateKey(stored.privateKeyPem))).toBe(true);
    expect(events.some((e) => e.executionArn.includes(':execution:issue-certificate:'))).toBe(true);

    expect(auditOf(requestId).map((e) => e.detailType)).toEqual([
      'AccessRequested',
      'ApprovalRequested',
      'ApprovalDecided',
      'CertificateIssued',
      'AccessRequestClosed',
    ]);

    // The certificate works: a Client VPN endpoint trusting this CA lets the client in.
    const model = sandbox.model<Ec2ClientVpnModel>('EC2');
    const endpoint = model.seedEndpoint({ caCertPem: ca.certificatePem, description: 'orders' });
    expect(model.connectClient(endpoint, stored.certificatePem).connected).toBe(true);
  });

  it('rejected: nothing is issued', async () => {
    nextDecision = { approver: 'alice', decision: 'REJECTED' };
    const { requestId, run } = await request('carol-laptop', 'carol');
    expect(run.output).toEqual({ requestId, outcome: 'REJECTED' });
    expect(await new DynamoDbCertIndex().issuance(requestId)).toBeUndefined();
    expect((await new DynamoDbCertIndex().entries()).some((e) => e.commonName === 'carol-laptop')).toBe(
      false,
    );
  });

  it('a common name that already holds a valid certificate: approved, but the grant fails and the request closes failed', async () => {
    nextDecision = { approver: 'alice', decision: 'APPROVED' };
    const { requestId, run } = await request('bob-laptop');
    expect(run.status).toBe('SUCCEEDED');
    expect(run.output).toEqual({ requestId, outcome: 'FAILED' });
    expect((await getRequest(requestId)).status).toBe('FAILED');
    const forCn = (await new DynamoDbCertIndex().entries()).filter((e) => e.commonName === 'bob-laptop');
    expect(forCn).toHaveLength(1);
  });

  it('never puts a private key or a task token into any execution event or audit event', () => {
    expect(privateKeys.length).toBeGreaterThan(0);
    const everything =
      JSON.stringify(runs.map((r) => r.events)) +
      JSON.stringify(events) +
      JSON.stringify(sandbox.model<EventBridgeModel>('EventBridge').events);
    expect(everything).not.toContain('PRIVATE KEY');
    for (const pem of privateKeys) expect(everything).not.toContain(pem.split('\n')[1]);
    for (const token of tokens) expect(everything).not.toContain(token);
  });
});

import { DescribeClientVpnAuthorizationRulesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createAwsClient } from '../../functions/aws/clients.js';
import { DynamoDbCertIndex } from '../../functions/aws/dynamodb-cert-index.js';
import { CERTIFICATES_TABLE, tableName } from '../../functions/aws/table-definitions.js';
import { approvalIdFor } from '../../functions/core/access-request.js';
import { decideApproval } from '../../functions/use-cases/decide-approval.js';
import { cacheReachability } from '../../functions/core/vpn/reachability.js';
import { vpnAccessSchema } from '../../functions/core/vpn/access-config.js';
import { repoRoot } from '../../workflows/repo-root.js';
import { localStateDir } from '../state-dir.js';
import type { Ec2ClientVpnModel } from '../sandbox/models/ec2-client-vpn/index.js';
import { provisionSandboxCa } from '../sandbox-ca.js';
import { provisionCacheVpnEndpoint } from '../../bin/cli/vpn/provision-endpoint.js';
import { bootstrapFromStackCa } from '../../bin/cli/vpn/stack-ca.js';
import { writeVpnProfile } from '../../bin/cli/vpn/vpn-actions.js';
import type { DemoContext } from './demo-context.js';

/** A cache node inside the first cache subnet of the example config (10.0.1.0/24). */
const CACHE_NODE = '10.0.1.25';

/**
 * Client VPN access end to end with one CA: the stack's CA (KMS key + certificate secret), the
 * server certificate bootstrapped from it, the endpoint the CDK construct deploys (same plan,
 * created through the EC2 API on the sandbox) trusting that CA for clients, a new user's access
 * request (kind vpn-certificate) approved and granted by the issue-certificate workflow on the same
 * CA, her `.ovpn` from the workflow's secret, a simulated connection, and what it can reach.
 */
export async function vpnAccessChapter({ sandbox, narrator, run, approvals }: DemoContext): Promise<void> {
  narrator.heading('Client VPN access: from request to a working .ovpn');
  const stateDir = localStateDir();
  const ec2Model = sandbox.model<Ec2ClientVpnModel>('EC2');
  const example = JSON.parse(readFileSync(join(repoRoot(), 'infra', 'config', 'example.json'), 'utf8')) as {
    vpnAccess?: unknown;
  };
  const config = vpnAccessSchema.parse(example.vpnAccess);

  narrator.step('the stack CA (CertificateAuthority): signing key in KMS, certificate in Secrets Manager');
  const ca = await provisionSandboxCa('cachegate demo VPN CA', sandbox.clock.now());
  narrator.detail(`${ca.keyArn} (RSA_2048, SIGN_VERIFY): the CA key never leaves KMS`);
  narrator.detail('one CA for the server certificate, client certificates and CRLs');

  narrator.step('the server certificate from that CA: cachegate vpn bootstrap --ca-secret-arn --kms-key-arn');
  const staged = await bootstrapFromStackCa({
    kmsKeyArn: ca.keyArn,
    caSecretArn: ca.certificateSecretArn,
    table: tableName(CERTIFICATES_TABLE),
    out: join(stateDir, 'vpn-acm'),
    now: sandbox.clock.now(),
  });
  narrator.detail(
    `KMS signed serial ${staged.serial} (CN ${staged.serverCn}); recorded in the certificate index`,
  );
  // Stands in for `aws acm import-certificate --certificate-chain ca-chain.crt`: the one ARN is
  // both the server certificate and the client root chain (the stack CA).
  const serverCertificateArn = ec2Model.registerCertificate(
    readFileSync(staged.certificate, 'utf8'),
    readFileSync(staged.certificateChain, 'utf8'),
  );
  const clientRootCertificateChainArn = serverCertificateArn;
  narrator.detail(`imported into ACM with its chain: ${serverCertificateArn}`);

  narrator.step(
    'the endpoint CacheVpnAccess deploys, from the vpnAccess section of infra/config/example.json',
  );
  const provisioned = await provisionCacheVpnEndpoint({
    vpcId: config.vpc.vpcId,
    vpcCidrs: config.vpc.cidrBlocks,
    cacheSubnets: config.cacheSubnets,
    clientCidr: config.clientCidr,
    serverCertificateArn,
    clientRootCertificateChainArn,
    connectionLogGroup: 'cachegate-client-vpn-connections',
    pause: (simulatedMs) =>
      new Promise((resolve) => setTimeout(resolve, Math.max(1, sandbox.clock.realMsFor(simulatedMs)))),
  });
  const { endpointId, plan } = provisioned;
  narrator.detail(
    `${endpointId}: mutual TLS, split tunnel, connection logging, clients from ${config.clientCidr}`,
  );
  narrator.detail(
    `associated: ${plan.associations.map((a) => `${a.subnetId} (${a.availabilityZone})`).join(', ')}`,
  );
  narrator.detail(`authorized: ${plan.authorizations.join(', ')} only (no VPC-wide rule, no 0.0.0.0/0)`);
  narrator.detail(`cache port ${config.cachePort} open only to the endpoint's security group`);

  narrator.step('dana requests VPN access (kind vpn-certificate); erin approves it');
  const requestId = `AR-DEMO-VPN-${randomBytes(3).toString('hex').toUpperCase()}`;
  approvals.next = async ({ token }) => {
    // An approver other than the requester decides later, knowing only the approval ID.
    setTimeout(() => {
      void decideApproval({
        approvalId: approvalIdFor(token),
        approver: 'erin',
        decision: 'APPROVED',
        allowedApprovers: ['erin'],
      });
    }, 5);
  };
  let request;
  // The approvers the stack is configured with: start-fulfilment re-checks the decision against them.
  const configuredApprovers = process.env.APPROVERS;
  process.env.APPROVERS = 'erin';
  try {
    request = await run('access-request', {
      request: {
        requestId,
        requester: 'dana',
        justification: 'VPN access to the orders cache for the on-call week',
        kind: { type: 'vpn-certificate', commonName: 'dana' },
      },
    });
  } finally {
    approvals.next = undefined;
    if (configuredApprovers === undefined) delete process.env.APPROVERS;
    else process.env.APPROVERS = configuredApprovers;
  }
  const issuance = await new DynamoDbCertIndex().issuance(requestId);
  if (request.status !== 'SUCCEEDED' || !issuance?.secretArn) {
    throw new Error(
      `dana's access request did not issue a certificate: ${request.status} ${request.cause ?? ''}`,
    );
  }
  narrator.detail(
    `${requestId} ${(request.output as { outcome: string }).outcome}: issue-certificate signed serial ${issuance.serial} with the KMS key; certificate and key in ${issuance.secretArn}`,
  );

  const profilePath = join(stateDir, 'dana.ovpn');
  const profile = await writeVpnProfile({
    secret: issuance.secretArn,
    cn: 'dana',
    endpoint: endpointId,
    out: profilePath,
    now: sandbox.clock.now(),
  });
  narrator.step(`cachegate vpn profile --secret <dana's secret> → ${profile.path} (mode 0600)`);
  narrator.detail(
    `remote ${profile.remote.replace(/^\*\./, '')} ${profile.port}/${profile.protocol}; <ca> is the stack CA, <cert>/<key> are dana's`,
  );

  const client = JSON.parse(
    (
      await createAwsClient(SecretsManagerClient, {}).send(
        new GetSecretValueCommand({ SecretId: issuance.secretArn }),
      )
    ).SecretString ?? '{}',
  ) as { certificatePem: string };
  const certPem = client.certificatePem;
  const connection = ec2Model.connectClient(endpointId, certPem);
  if (!connection.connected) throw new Error(`dana's simulated client was refused: ${connection.reason}`);
  narrator.step(`dana connects with the profile's certificate: ${connection.connectionId}`);

  const ec2 = createAwsClient(EC2Client, {});
  const rules =
    (await ec2.send(new DescribeClientVpnAuthorizationRulesCommand({ ClientVpnEndpointId: endpointId })))
      .AuthorizationRules ?? [];
  ec2.destroy();
  const authorizations = rules.map((r) => ({ cidr: r.DestinationCidr ?? '', status: r.Status?.Code ?? '' }));
  for (const [address, port] of [
    [CACHE_NODE, config.cachePort],
    ['10.0.9.9', config.cachePort],
    [CACHE_NODE, 22],
  ] as const) {
    const verdict = cacheReachability({
      address,
      port,
      authorizations,
      routedCidrs: plan.routedCidrs,
      openPort: config.cachePort,
    });
    narrator.detail(
      `${`${address}:${port}`.padEnd(16)} ${verdict.reachable ? `reachable (${verdict.via})` : `blocked: ${verdict.reason}`}`,
    );
  }
}

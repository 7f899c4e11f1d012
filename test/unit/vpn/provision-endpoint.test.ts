import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import {
  DescribeClientVpnAuthorizationRulesCommand,
  DescribeClientVpnEndpointsCommand,
  EC2Client,
} from '@aws-sdk/client-ec2';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createAwsClient } from '../../../functions/aws/clients.js';
import { cacheReachability } from '../../../functions/core/vpn/reachability.js';
import { vpnAccessSchema } from '../../../functions/core/vpn/access-config.js';
import { SandboxClock } from '../../../local/sandbox/clock.js';
import { Ec2ClientVpnModel } from '../../../local/sandbox/models/ec2-client-vpn/index.js';
import { Sandbox } from '../../../local/sandbox/sandbox.js';
import { provisionCacheVpnEndpoint } from '../../../bin/cli/vpn/provision-endpoint.js';
import { randomBytes } from 'node:crypto';
import { issueCertificate } from '../../../functions/core/pki/ca-operations.js';
import { generateRsaKey } from '../../../functions/core/pki/certificate-builder.js';
import { toPem } from '../../../functions/core/pki/pem.js';
import { createTestCa, type TestCa } from '../pki/ca-fixture.js';

const example = vpnAccessSchema.parse(
  (
    JSON.parse(readFileSync(join(process.cwd(), 'infra/config/example.json'), 'utf8')) as {
      vpnAccess: unknown;
    }
  ).vpnAccess,
);

let clock: SandboxClock;
let sandbox: Sandbox;
let model: Ec2ClientVpnModel;
let ca: TestCa;
let caPem: string;

beforeEach(async () => {
  clock = new SandboxClock({ speed: 0 });
  sandbox = new Sandbox({ clock, region: 'eu-west-1' });
  model = new Ec2ClientVpnModel(clock, { region: 'eu-west-1', accountId: sandbox.accountId });
  sandbox.register(model).install();
  ca = await createTestCa('VPN CA', new Date(clock.nowMs() - 86_400_000));
  caPem = toPem('CERTIFICATE', ca.cert.der);
});

afterEach(async () => {
  await sandbox.close();
});

function provision(pauses: number[] = []) {
  return provisionCacheVpnEndpoint({
    vpcId: example.vpc.vpcId,
    vpcCidrs: example.vpc.cidrBlocks,
    cacheSubnets: example.cacheSubnets,
    clientCidr: example.clientCidr,
    serverCertificateArn: model.registerCertificate(caPem),
    clientRootCertificateChainArn: model.registerCertificate(caPem),
    connectionLogGroup: 'connections',
    pause: async (ms) => {
      pauses.push(ms);
      clock.advance(ms);
    },
  });
}

describe('provisionCacheVpnEndpoint (the construct, on the sandbox)', () => {
  it('creates the endpoint the construct declares and waits until it is available with active rules', async () => {
    const pauses: number[] = [];
    const { endpointId, dnsName, plan } = await provision(pauses);
    // The model's association takes 120 s: the provisioning waited it out instead of returning early.
    expect(pauses.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(model.delays.association);
    const ec2 = createAwsClient(EC2Client, {});
    const [endpoint] =
      (await ec2.send(new DescribeClientVpnEndpointsCommand({ ClientVpnEndpointIds: [endpointId] })))
        .ClientVpnEndpoints ?? [];
    expect(endpoint).toMatchObject({
      Status: { Code: 'available' },
      SplitTunnel: true,
      ClientCidrBlock: '10.255.252.0/22',
      ConnectionLogOptions: { Enabled: true, CloudwatchLogGroup: 'connections' },
      AuthenticationOptions: [expect.objectContaining({ Type: 'certificate-authentication' })],
    });
    expect(dnsName).toBe(`*.${endpointId}.prod.clientvpn.eu-west-1.amazonaws.com`);
    const rules = await ec2.send(
      new DescribeClientVpnAuthorizationRulesCommand({ ClientVpnEndpointId: endpointId }),
    );
    const authorizations = (rules.AuthorizationRules ?? []).map((r) => ({
      cidr: r.DestinationCidr ?? '',
      status: r.Status?.Code ?? '',
    }));
    expect(authorizations).toEqual([
      { cidr: '10.0.1.0/24', status: 'active' },
      { cidr: '10.0.2.0/24', status: 'active' },
    ]);
    const reach = (address: string) =>
      cacheReachability({
        address,
        port: 6379,
        authorizations,
        routedCidrs: plan.routedCidrs,
        openPort: 6379,
      });
    expect(reach('10.0.2.40').reachable).toBe(true);
    expect(reach('10.0.200.1').reachable).toBe(false);
  });

  it('lets a client with a certificate from the CA connect once provisioned, and no one else', async () => {
    const clientCert = async (issuer: TestCa) =>
      toPem(
        'CERTIFICATE',
        (
          await issueCertificate({
            ca: issuer.cert,
            index: [],
            commonName: 'dana',
            profile: 'client',
            spki: generateRsaKey().publicKey.export({ type: 'spki', format: 'der' }),
            now: clock.now(),
            days: 30,
            signer: issuer.signer,
            random: randomBytes,
          })
        ).certificate,
      );
    const { endpointId } = await provision();
    expect(model.connectClient(endpointId, await clientCert(ca))).toMatchObject({ connected: true });
    const other = await createTestCa('Other CA', new Date(clock.nowMs() - 86_400_000));
    expect(model.connectClient(endpointId, await clientCert(other))).toEqual({
      connected: false,
      reason: 'unknown-ca',
    });
  });

  it('propagates an EC2 failure instead of reporting a half-built endpoint', async () => {
    sandbox.faults.inject({
      service: 'EC2',
      command: 'AuthorizeClientVpnIngress',
      mode: 'throw',
    });
    await expect(provision()).rejects.toMatchObject({ name: 'InternalFailure' });
  });
});

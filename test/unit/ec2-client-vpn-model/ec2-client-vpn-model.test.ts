import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  AssociateClientVpnTargetNetworkCommand,
  AuthorizeClientVpnIngressCommand,
  CreateClientVpnEndpointCommand,
  CreateClientVpnRouteCommand,
  DescribeClientVpnConnectionsCommand,
  DescribeClientVpnEndpointsCommand,
  EC2Client,
  ExportClientVpnClientCertificateRevocationListCommand,
  ImportClientVpnClientCertificateRevocationListCommand,
  TerminateClientVpnConnectionsCommand,
} from '@aws-sdk/client-ec2';
import { createAwsClient } from '../../../functions/aws/clients.js';
import { createSandbox, type Sandbox } from '../../../local/sandbox/index.js';
import type { Ec2ClientVpnModel } from '../../../local/sandbox/models/ec2-client-vpn/index.js';
import { TestPki } from './vpn-pki-fixture.js';

let sandbox: Sandbox;
let model: Ec2ClientVpnModel;
let ec2: EC2Client;
let pki: TestPki;
let otherPki: TestPki;

beforeAll(async () => {
  sandbox = await createSandbox({ speed: 0, dynamoDb: false });
  model = sandbox.model<Ec2ClientVpnModel>('EC2');
  ec2 = createAwsClient(EC2Client, {});
  [pki, otherPki] = await Promise.all([TestPki.create('Ops VPN CA'), TestPki.create('Other CA')]);
});
afterAll(async () => sandbox.close());

const now = () => sandbox.clock.now();
const hours = (n: number) => n * 3_600_000;

async function errorOf(
  promise: Promise<unknown>,
): Promise<{ name: string; message: string; status?: number }> {
  try {
    await promise;
  } catch (error) {
    const e = error as Error & { $metadata?: { httpStatusCode?: number } };
    return { name: e.name, message: e.message, status: e.$metadata?.httpStatusCode };
  }
  throw new Error('expected the call to fail');
}

describe('endpoints, associations, authorization rules and routes', () => {
  it('creates a mutual-TLS endpoint that becomes available once a subnet is associated', async () => {
    const created = await ec2.send(
      new CreateClientVpnEndpointCommand({
        ClientCidrBlock: '10.200.0.0/22',
        ServerCertificateArn: model.registerCertificate(pki.caPem),
        AuthenticationOptions: [
          {
            Type: 'certificate-authentication',
            MutualAuthentication: { ClientRootCertificateChainArn: model.registerCertificate(pki.caPem) },
          },
        ],
        ConnectionLogOptions: { Enabled: false },
        SplitTunnel: true,
      }),
    );
    const id = created.ClientVpnEndpointId as string;
    expect(id).toMatch(/^cvpn-endpoint-[0-9a-f]{17}$/);
    expect(created.DnsName).toBe(`*.${id}.prod.clientvpn.us-east-1.amazonaws.com`);
    expect(created.Status?.Code).toBe('pending-associate');

    const { certificate } = await pki.issue('early', now()).then((c) => ({ certificate: c.pem }));
    expect(model.connectClient(id, certificate)).toEqual({
      connected: false,
      reason: 'endpoint-unavailable',
    });

    await ec2.send(
      new AssociateClientVpnTargetNetworkCommand({ ClientVpnEndpointId: id, SubnetId: 'subnet-0abc' }),
    );
    expect(
      (
        await errorOf(
          ec2.send(
            new AssociateClientVpnTargetNetworkCommand({ ClientVpnEndpointId: id, SubnetId: 'subnet-0abc' }),
          ),
        )
      ).name,
    ).toBe('InvalidClientVpnDuplicateAssociationException');
    // Pending-associate: a route cannot be added yet (EC2 error codes page).
    expect(
      (
        await errorOf(
          ec2.send(
            new CreateClientVpnRouteCommand({
              ClientVpnEndpointId: id,
              DestinationCidrBlock: '0.0.0.0/0',
              TargetVpcSubnetId: 'subnet-0abc',
            }),
          ),
        )
      ).name,
    ).toBe('InvalidClientVpnActiveAssociationNotFound');
    sandbox.clock.advance(model.delays.association);
    const { ClientVpnEndpoints } = await ec2.send(
      new DescribeClientVpnEndpointsCommand({ ClientVpnEndpointIds: [id] }),
    );
    expect(ClientVpnEndpoints?.[0]).toMatchObject({
      Status: { Code: 'available' },
      ClientCidrBlock: '10.200.0.0/22',
      SplitTunnel: true,
      AuthenticationOptions: [{ Type: 'certificate-authentication' }],
    });

    await ec2.send(
      new AuthorizeClientVpnIngressCommand({
        ClientVpnEndpointId: id,
        TargetNetworkCidr: '10.0.0.0/16',
        AuthorizeAllGroups: true,
      }),
    );
    expect(
      (
        await errorOf(
          ec2.send(
            new AuthorizeClientVpnIngressCommand({
              ClientVpnEndpointId: id,
              TargetNetworkCidr: '10.0.0.0/16',
              AuthorizeAllGroups: true,
            }),
          ),
        )
      ).name,
    ).toBe('InvalidClientVpnDuplicateAuthorizationRule');
    await ec2.send(
      new CreateClientVpnRouteCommand({
        ClientVpnEndpointId: id,
        DestinationCidrBlock: '0.0.0.0/0',
        TargetVpcSubnetId: 'subnet-0abc',
      }),
    );
    expect(
      (
        await errorOf(
          ec2.send(
            new CreateClientVpnRouteCommand({
              ClientVpnEndpointId: id,
              DestinationCidrBlock: '0.0.0.0/0',
              TargetVpcSubnetId: 'subnet-0other',
            }),
          ),
        )
      ).name,
    ).toBe('InvalidParameterValue');
    expect(model.connectClient(id, certificate).connected).toBe(true);
  });

  it('rejects an unknown root certificate ARN, a bad client CIDR and an unknown endpoint with EC2 error codes', async () => {
    const base = {
      ServerCertificateArn: model.registerCertificate(pki.caPem),
      ConnectionLogOptions: { Enabled: false },
    };
    const unknownRoot = await errorOf(
      ec2.send(
        new CreateClientVpnEndpointCommand({
          ...base,
          ClientCidrBlock: '10.200.0.0/22',
          AuthenticationOptions: [
            {
              Type: 'certificate-authentication',
              MutualAuthentication: {
                ClientRootCertificateChainArn: 'arn:aws:acm:us-east-1:000000000000:certificate/nope',
              },
            },
          ],
        }),
      ),
    );
    expect(unknownRoot).toMatchObject({ name: 'InvalidParameterValue', status: 400 });
    const badCidr = await errorOf(
      ec2.send(
        new CreateClientVpnEndpointCommand({
          ...base,
          ClientCidrBlock: '10.200.0.0/28',
          AuthenticationOptions: [
            {
              Type: 'certificate-authentication',
              MutualAuthentication: { ClientRootCertificateChainArn: base.ServerCertificateArn },
            },
          ],
        }),
      ),
    );
    expect(badCidr.name).toBe('InvalidParameterValue');
    expect(
      (
        await errorOf(
          ec2.send(new DescribeClientVpnEndpointsCommand({ ClientVpnEndpointIds: ['cvpn-endpoint-0nope'] })),
        )
      ).name,
    ).toBe('InvalidClientVpnEndpointId.NotFound');
  });
});

describe('simulated clients', () => {
  it('authenticates clients against the chain imported with a server certificate used as the client root chain', async () => {
    // One CA, as deployed: the server certificate (not a CA) imported with its CA chain, and
    // that one ARN used as both server certificate and client root chain.
    const server = await pki.issue('vpn-server', now());
    const arn = model.registerCertificate(server.pem, pki.caPem);
    const created = await ec2.send(
      new CreateClientVpnEndpointCommand({
        ClientCidrBlock: '10.210.0.0/22',
        ServerCertificateArn: arn,
        AuthenticationOptions: [
          {
            Type: 'certificate-authentication',
            MutualAuthentication: { ClientRootCertificateChainArn: arn },
          },
        ],
        ConnectionLogOptions: { Enabled: false },
      }),
    );
    const id = created.ClientVpnEndpointId as string;
    await ec2.send(
      new AssociateClientVpnTargetNetworkCommand({ ClientVpnEndpointId: id, SubnetId: 'subnet-0chain' }),
    );
    sandbox.clock.advance(hours(1));
    expect(model.connectClient(id, (await pki.issue('chain-client', now())).pem).connected).toBe(true);
    expect(model.connectClient(id, (await otherPki.issue('chain-foreign', now())).pem)).toEqual({
      connected: false,
      reason: 'unknown-ca',
    });
  });

  it('admits only certificates of the endpoint CA that are within their validity', async () => {
    const id = model.seedEndpoint({ caCertPem: pki.caPem });
    const good = await pki.issue('valid-client', now());
    const foreign = await otherPki.issue('foreign-client', now());
    const expired = await pki.issue('expired-client', new Date(now().getTime() - 3 * 86_400_000), 1);
    const future = await pki.issue('future-client', new Date(now().getTime() + 86_400_000), 30);
    expect(model.connectClient(id, good.pem).connected).toBe(true);
    expect(model.connectClient(id, foreign.pem)).toEqual({ connected: false, reason: 'unknown-ca' });
    expect(model.connectClient(id, expired.pem)).toEqual({ connected: false, reason: 'certificate-expired' });
    expect(model.connectClient(id, future.pem)).toEqual({
      connected: false,
      reason: 'certificate-not-yet-valid',
    });
    expect(model.connectClient(id, 'not a certificate')).toEqual({
      connected: false,
      reason: 'certificate-malformed',
    });
  });

  it('refuses every client while the CRL in force comes from another CA (OpenVPN with OpenSSL)', async () => {
    const id = model.seedEndpoint({ caCertPem: pki.caPem });
    const mallory = await pki.issue('mallory-1', now());
    pki.revoke('mallory-1', now());
    await ec2.send(
      new ImportClientVpnClientCertificateRevocationListCommand({
        ClientVpnEndpointId: id,
        CertificateRevocationList: await otherPki.crlPem(now(), { serials: [mallory.serial] }),
      }),
    );
    const honest = await pki.issue('honest-1', now());
    sandbox.clock.advance(model.delays.crlActivation);
    expect(model.connectClient(id, mallory.pem)).toEqual({ connected: false, reason: 'crl-untrusted' });
    expect(model.connectClient(id, honest.pem)).toEqual({ connected: false, reason: 'crl-untrusted' });
  });

  it('refuses every client while the CRL in force has the CA name but another key', async () => {
    const id = model.seedEndpoint({ caCertPem: pki.caPem });
    const alice = await pki.issue('alice-1', now());
    const impostor = await TestPki.create('Ops VPN CA');
    await ec2.send(
      new ImportClientVpnClientCertificateRevocationListCommand({
        ClientVpnEndpointId: id,
        CertificateRevocationList: await impostor.crlPem(now()),
      }),
    );
    sandbox.clock.advance(model.delays.crlActivation);
    expect(model.connectClient(id, alice.pem)).toEqual({ connected: false, reason: 'crl-untrusted' });
    // The CA's own CRL lets the same client in again.
    await ec2.send(
      new ImportClientVpnClientCertificateRevocationListCommand({
        ClientVpnEndpointId: id,
        CertificateRevocationList: await pki.crlPem(now()),
      }),
    );
    sandbox.clock.advance(model.delays.crlActivation);
    expect(model.connectClient(id, alice.pem).connected).toBe(true);
  });
});

describe('CRL import and export', () => {
  it('rejects a malformed CRL and one with more than 20,000 entries, changing nothing', async () => {
    const id = model.seedEndpoint({ caCertPem: pki.caPem });
    const client = await pki.issue('steady', now());
    const connection = model.connectClient(id, client.pem);
    expect(connection.connected).toBe(true);
    const malformed = await errorOf(
      ec2.send(
        new ImportClientVpnClientCertificateRevocationListCommand({
          ClientVpnEndpointId: id,
          CertificateRevocationList: '-----BEGIN X509 CRL-----\nAAAA\n-----END X509 CRL-----\n',
        }),
      ),
    );
    expect(malformed).toMatchObject({ name: 'InvalidParameterValue', status: 400 });
    const serials = Array.from({ length: 20_001 }, (_, i) =>
      (i + 1).toString(16).toUpperCase().padStart(8, '1'),
    );
    const tooBig = await errorOf(
      ec2.send(
        new ImportClientVpnClientCertificateRevocationListCommand({
          ClientVpnEndpointId: id,
          CertificateRevocationList: await pki.crlPem(now(), { serials }),
        }),
      ),
    );
    // Not ClientVpnCertificateRevocationListLimitExceeded: that code counts CRLs, not entries.
    expect(tooBig.name).toBe('InvalidParameterValue');
    expect(tooBig.message).toContain('20001');
    expect(
      await ec2.send(new ExportClientVpnClientCertificateRevocationListCommand({ ClientVpnEndpointId: id })),
    ).not.toHaveProperty('CertificateRevocationList');
    expect(model.connections(id).map((c) => c.endedAt)).toEqual([undefined]);
  });

  it('replaces the CRL, resets every connection, and exports it pending then active', async () => {
    const id = model.seedEndpoint({ caCertPem: pki.caPem });
    const alice = await pki.issue('alice-2', now());
    const bob = await pki.issue('bob-2', now());
    model.connectClient(id, alice.pem, { reconnect: true });
    model.connectClient(id, bob.pem, { reconnect: true });
    pki.revoke('alice-2', now());
    const crl = await pki.crlPem(now());
    await ec2.send(
      new ImportClientVpnClientCertificateRevocationListCommand({
        ClientVpnEndpointId: id,
        CertificateRevocationList: crl,
      }),
    );

    const pending = await ec2.send(
      new ExportClientVpnClientCertificateRevocationListCommand({ ClientVpnEndpointId: id }),
    );
    expect(pending.Status?.Code).toBe('pending');
    expect(pending.CertificateRevocationList).toBe(crl);
    const all = model.connections(id);
    // Both were reset; both reconnected at once: the previous CRL (none) is in force while pending.
    expect(
      all
        .filter((c) => c.endedAt !== undefined)
        .map((c) => c.commonName)
        .sort(),
    ).toEqual(['alice-2', 'bob-2']);
    expect(
      all
        .filter((c) => c.endedAt === undefined)
        .map((c) => c.commonName)
        .sort(),
    ).toEqual(['alice-2', 'bob-2']);
    expect(model.crlImports.at(-1)?.resetConnectionIds).toHaveLength(2);

    sandbox.clock.advance(model.delays.crlActivation);
    const active = await ec2.send(
      new ExportClientVpnClientCertificateRevocationListCommand({ ClientVpnEndpointId: id }),
    );
    expect(active.Status?.Code).toBe('active');
    expect(model.crlInForce(id)).toBe(crl);
    // The live session of a revoked certificate survives the CRL; only termination ends it.
    const aliceLive = model
      .connections(id)
      .find((c) => c.commonName === 'alice-2' && c.endedAt === undefined);
    await ec2.send(
      new TerminateClientVpnConnectionsCommand({
        ClientVpnEndpointId: id,
        ConnectionId: aliceLive?.connectionId,
      }),
    );
    expect(model.connectAttempts.at(-1)).toMatchObject({
      commonName: 'alice-2',
      result: { connected: false, reason: 'certificate-revoked' },
    });
    expect(model.connectClient(id, bob.pem).connected).toBe(true);
  });

  it('locks everyone out while the CRL in force has expired', async () => {
    const id = model.seedEndpoint({ caCertPem: pki.caPem });
    const carol = await pki.issue('carol-3', now());
    await ec2.send(
      new ImportClientVpnClientCertificateRevocationListCommand({
        ClientVpnEndpointId: id,
        CertificateRevocationList: await pki.crlPem(now(), { days: 1 }),
      }),
    );
    sandbox.clock.advance(model.delays.crlActivation);
    expect(model.connectClient(id, carol.pem).connected).toBe(true);
    sandbox.clock.advance(hours(25));
    expect(model.connectClient(id, carol.pem)).toEqual({ connected: false, reason: 'crl-expired' });
  });
});

describe('connections', () => {
  it('lists connections with common name and status, page by page', async () => {
    const id = model.seedEndpoint({ caCertPem: pki.caPem });
    const dave = await pki.issue('dave-4', now());
    for (let i = 0; i < 12; i++) model.connectClient(id, dave.pem);
    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await ec2.send(
        new DescribeClientVpnConnectionsCommand({ ClientVpnEndpointId: id, MaxResults: 5, NextToken: token }),
      );
      pages += 1;
      for (const c of page.Connections ?? []) {
        expect(c).toMatchObject({
          CommonName: 'dave-4',
          Status: { Code: 'active' },
          ClientVpnEndpointId: id,
        });
        seen.push(c.ConnectionId as string);
      }
      token = page.NextToken;
    } while (token);
    expect(pages).toBe(3);
    expect(new Set(seen).size).toBe(12);
    const bad = await errorOf(
      ec2.send(new DescribeClientVpnConnectionsCommand({ ClientVpnEndpointId: id, MaxResults: 2 })),
    );
    expect(bad.name).toBe('InvalidParameterValue');
  });

  it('terminates by connection ID (terminating, then terminated) and reports unknown IDs and users', async () => {
    const id = model.seedEndpoint({ caCertPem: pki.caPem });
    const erin = await pki.issue('erin-5', now());
    const result = model.connectClient(id, erin.pem);
    if (!result.connected) throw new Error('expected a connection');
    const terminated = await ec2.send(
      new TerminateClientVpnConnectionsCommand({
        ClientVpnEndpointId: id,
        ConnectionId: result.connectionId,
      }),
    );
    expect(terminated.ConnectionStatuses).toEqual([
      {
        ConnectionId: result.connectionId,
        PreviousStatus: { Code: 'active' },
        CurrentStatus: { Code: 'terminating' },
      },
    ]);
    sandbox.clock.advance(model.delays.connectionTerminate);
    const { Connections } = await ec2.send(
      new DescribeClientVpnConnectionsCommand({
        ClientVpnEndpointId: id,
        Filters: [{ Name: 'connection-id', Values: [result.connectionId] }],
      }),
    );
    expect(Connections?.[0]?.Status?.Code).toBe('terminated');
    expect(Connections?.[0]?.ConnectionEndTime).toBeDefined();
    expect(
      (
        await errorOf(
          ec2.send(
            new TerminateClientVpnConnectionsCommand({
              ClientVpnEndpointId: id,
              ConnectionId: 'cvpn-connection-0nope',
            }),
          ),
        )
      ).name,
    ).toBe('InvalidClientVpnConnection.IdNotFound');
    // Certificate authentication carries no user name: terminating by user finds nothing.
    expect(
      (
        await errorOf(
          ec2.send(new TerminateClientVpnConnectionsCommand({ ClientVpnEndpointId: id, Username: 'erin-5' })),
        )
      ).name,
    ).toBe('InvalidClientVpnConnection.UserNotFound');
    model.connectClient(id, erin.pem, { username: 'erin' });
    const byUser = await ec2.send(
      new TerminateClientVpnConnectionsCommand({ ClientVpnEndpointId: id, Username: 'erin' }),
    );
    expect(byUser).toMatchObject({
      Username: 'erin',
      ConnectionStatuses: [{ CurrentStatus: { Code: 'terminating' } }],
    });
  });
});

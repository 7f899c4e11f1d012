import { beforeAll, describe, expect, it } from '@jest/globals';
import { App, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { AwsSolutionsChecks } from 'cdk-nag';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { vpnAccessSchema } from '../../functions/core/vpn/access-config.js';
import { buildApp } from '../../infra/app.js';
import { repoRoot } from '../../workflows/repo-root.js';
import {
  CacheVpnAccess,
  importCacheNetwork,
  type CacheNetworkConfig,
  type CacheVpnAccessProps,
} from '../../infra/constructs/cache-vpn-access.js';

const SERVER_CERT = 'arn:aws:acm:eu-west-1:111111111111:certificate/00000000-0000-4000-8000-000000000001';
const CACHE_SG = 'sg-0a1b2c3d4e5f60719';

const network: CacheNetworkConfig = {
  vpc: { vpcId: 'vpc-0a1b2c3d4e5f60718', cidrBlocks: ['10.0.0.0/16'] },
  cacheSubnets: [
    { subnetId: 'subnet-0a1b2c3d4e5f60711', availabilityZone: 'eu-west-1a', cidr: '10.0.1.0/24' },
    { subnetId: 'subnet-0a1b2c3d4e5f60712', availabilityZone: 'eu-west-1b', cidr: '10.0.2.0/24' },
  ],
  cacheSecurityGroupId: CACHE_SG,
};

/** A stack holding only the construct, with cdk-nag, as the app runs it. */
function synthesize(
  overrides: Partial<CacheVpnAccessProps> = {},
  net: CacheNetworkConfig = network,
): { app: App; stack: Stack; access: CacheVpnAccess; template: Template } {
  const app = new App();
  const stack = new Stack(app, 'VpnTest', { env: { account: '111111111111', region: 'eu-west-1' } });
  const access = new CacheVpnAccess(stack, 'VpnAccess', {
    ...importCacheNetwork(stack, net),
    certificates: { serverCertificateArn: SERVER_CERT },
    logRetention: RetentionDays.ONE_YEAR,
    ...overrides,
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stack, access, template: Template.fromStack(stack) };
}

type Rule = { Properties: Record<string, unknown> };
const props = (template: Template, type: string): Record<string, unknown>[] =>
  Object.values(template.findResources(type)).map((r) => (r as Rule).Properties);

describe('CacheVpnAccess', () => {
  let built: ReturnType<typeof synthesize>;
  beforeAll(() => {
    built = synthesize();
  });

  it('creates the endpoint with mutual certificate authentication only, split tunnel, no self-service portal', () => {
    built.template.resourceCountIs('AWS::EC2::ClientVpnEndpoint', 1);
    built.template.hasResourceProperties('AWS::EC2::ClientVpnEndpoint', {
      AuthenticationOptions: [
        {
          Type: 'certificate-authentication',
          MutualAuthentication: { ClientRootCertificateChainArn: SERVER_CERT },
        },
      ],
      ServerCertificateArn: SERVER_CERT,
      ClientCidrBlock: '10.255.252.0/22',
      SplitTunnel: true,
      SelfServicePortal: 'disabled',
      VpcId: 'vpc-0a1b2c3d4e5f60718',
    });
  });

  it("authenticates clients with the server certificate's CA: the stack CA issues both", () => {
    const [endpoint] = props(built.template, 'AWS::EC2::ClientVpnEndpoint');
    const auth = endpoint!.AuthenticationOptions as { MutualAuthentication: unknown }[];
    expect(auth.map((a) => a.MutualAuthentication)).toEqual([
      { ClientRootCertificateChainArn: endpoint!.ServerCertificateArn },
    ]);
  });

  it('rejects a separate client root chain in the config with a message that says why', () => {
    const example = JSON.parse(readFileSync(join(repoRoot(), 'infra', 'config', 'example.json'), 'utf8')) as {
      vpnAccess: Record<string, unknown>;
    };
    const result = vpnAccessSchema.safeParse({
      ...example.vpnAccess,
      clientRootCertificateChainArn: SERVER_CERT,
    });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]).toMatchObject({
      path: ['clientRootCertificateChainArn'],
      message: expect.stringMatching(
        /is the serverCertificateArn: the stack's CA issues the server certificate, the client certificates and the CRLs/,
      ),
    });
    expect(vpnAccessSchema.safeParse(example.vpnAccess).success).toBe(true);
  });

  it('logs every connection to its own log group, kept for the configured retention', () => {
    const [endpoint] = props(built.template, 'AWS::EC2::ClientVpnEndpoint');
    const logGroupRef = (endpoint!.ConnectionLogOptions as { CloudwatchLogGroup: { Ref: string } })
      .CloudwatchLogGroup.Ref;
    expect(endpoint!.ConnectionLogOptions).toEqual({
      Enabled: true,
      CloudwatchLogGroup: { Ref: logGroupRef },
    });
    const group = built.template.findResources('AWS::Logs::LogGroup')[logGroupRef] as {
      Properties: { RetentionInDays: number };
      DeletionPolicy: string;
    };
    expect(group.Properties.RetentionInDays).toBe(365);
    expect(group.DeletionPolicy).toBe('Retain');
  });

  it('authorizes the cache subnets only: no VPC-wide rule, no 0.0.0.0/0', () => {
    const rules = props(built.template, 'AWS::EC2::ClientVpnAuthorizationRule');
    expect(rules.map((r) => r.TargetNetworkCidr).sort()).toEqual(['10.0.1.0/24', '10.0.2.0/24']);
  });

  it('associates one subnet per availability zone and routes nothing beyond the VPC', () => {
    const associations = props(built.template, 'AWS::EC2::ClientVpnTargetNetworkAssociation');
    expect(associations.map((a) => a.SubnetId).sort()).toEqual([
      'subnet-0a1b2c3d4e5f60711',
      'subnet-0a1b2c3d4e5f60712',
    ]);
    built.template.resourceCountIs('AWS::EC2::ClientVpnRoute', 0);
  });

  it('opens the cache port on the cache security group from the endpoint security group only', () => {
    const endpointSg = built.stack.resolve(built.access.securityGroup.securityGroupId) as object;
    built.template.hasResourceProperties('AWS::EC2::ClientVpnEndpoint', { SecurityGroupIds: [endpointSg] });
    const ingress = props(built.template, 'AWS::EC2::SecurityGroupIngress');
    expect(ingress).toEqual([
      expect.objectContaining({
        GroupId: CACHE_SG,
        IpProtocol: 'tcp',
        FromPort: 6379,
        ToPort: 6379,
        SourceSecurityGroupId: endpointSg,
      }),
    ]);
    expect(ingress[0]).not.toHaveProperty('CidrIp');
  });

  it('leaves no 0.0.0.0/0 (or ::/0) rule anywhere, and the endpoint group may only reach the cache port', () => {
    const text = JSON.stringify(built.template.toJSON());
    expect(text).not.toContain('0.0.0.0/0');
    expect(text).not.toContain('::/0');
    const [group] = props(built.template, 'AWS::EC2::SecurityGroup');
    expect(group!.SecurityGroupIngress).toBeUndefined();
    expect(group!.SecurityGroupEgress).toBeUndefined();
    expect(props(built.template, 'AWS::EC2::SecurityGroupEgress')).toEqual([
      expect.objectContaining({
        DestinationSecurityGroupId: CACHE_SG,
        IpProtocol: 'tcp',
        FromPort: 6379,
        ToPort: 6379,
      }),
    ]);
  });

  it('honours a non-default cache port', () => {
    const { template } = synthesize({ cachePort: 6380 });
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', { FromPort: 6380, ToPort: 6380 });
    template.hasResourceProperties('AWS::EC2::SecurityGroupEgress', { FromPort: 6380, ToPort: 6380 });
  });

  it('is cdk-nag (AwsSolutions) clean', () => {
    expect(() => built.app.synth()).not.toThrow();
  });

  it('exposes the endpoint ID and ARN for the CRL workflows, from the construct itself', () => {
    const target = built.access.crlTarget();
    const logicalId = Object.keys(built.template.findResources('AWS::EC2::ClientVpnEndpoint'))[0]!;
    expect(built.stack.resolve(target.endpointId)).toEqual({ Ref: logicalId });
    expect(JSON.stringify(built.stack.resolve(target.endpointArn))).toMatch(
      new RegExp(`:ec2:eu-west-1:111111111111:client-vpn-endpoint/".*"Ref":"${logicalId}"`),
    );
  });

  describe('fails synth with a clear message', () => {
    it('when the client CIDR overlaps the VPC CIDR', () => {
      expect(() => synthesize({ clientCidr: '10.0.252.0/22' })).toThrow(
        'CacheVpnAccess VpnTest/VpnAccess: clientCidr 10.0.252.0/22 overlaps the VPC CIDR 10.0.0.0/16; client addresses must come from outside the VPC',
      );
    });

    it('when the client CIDR overlaps a secondary VPC block', () => {
      expect(() =>
        synthesize(
          { clientCidr: '100.64.0.0/22' },
          { ...network, vpc: { ...network.vpc, cidrBlocks: ['10.0.0.0/16', '100.64.0.0/16'] } },
        ),
      ).toThrow(/overlaps the VPC CIDR 100\.64\.0\.0\/16/);
    });

    it('when the client CIDR is not a /12-/22 block', () => {
      expect(() => synthesize({ clientCidr: '192.168.0.0/24' })).toThrow(/must be between \/12 and \/22/);
    });

    it('when the client CIDR is not a CIDR block', () => {
      expect(() => synthesize({ clientCidr: '192.168.0.1/22' })).toThrow(
        /clientCidr: "192.168.0.1\/22" has host bits set/,
      );
    });

    it('when a cache subnet has no literal CIDR', () => {
      const app = new App();
      const stack = new Stack(app, 'NoCidr');
      const imported = importCacheNetwork(stack, network);
      expect(
        () =>
          new CacheVpnAccess(stack, 'VpnAccess', {
            ...imported,
            cacheSubnets: [
              imported.cacheSubnets[0]!,
              { ...imported.cacheSubnets[1]!, ipv4CidrBlock: '' } as never,
            ],
            certificates: { serverCertificateArn: SERVER_CERT },
            logRetention: RetentionDays.ONE_YEAR,
          }),
      ).toThrow(/needs a literal subnetId, ipv4CidrBlock and availabilityZone/);
    });
  });

  it('authorizes a cache subnet in a secondary VPC block; the VPC local route covers it', () => {
    const { template } = synthesize(
      {},
      {
        vpc: { ...network.vpc, cidrBlocks: ['10.0.0.0/16', '100.64.0.0/16'] },
        cacheSubnets: [
          ...network.cacheSubnets,
          { subnetId: 'subnet-0a1b2c3d4e5f60713', availabilityZone: 'eu-west-1a', cidr: '100.64.1.0/24' },
        ],
        cacheSecurityGroupId: CACHE_SG,
      },
    );
    template.resourceCountIs('AWS::EC2::ClientVpnTargetNetworkAssociation', 2);
    template.resourceCountIs('AWS::EC2::ClientVpnRoute', 0);
    const rules = props(template, 'AWS::EC2::ClientVpnAuthorizationRule');
    expect(rules.map((r) => r.TargetNetworkCidr).sort()).toEqual([
      '10.0.1.0/24',
      '10.0.2.0/24',
      '100.64.1.0/24',
    ]);
  });

  it('fails synth for a cache subnet outside the VPC CIDR blocks', () => {
    expect(() =>
      synthesize(
        {},
        {
          ...network,
          cacheSubnets: [
            { subnetId: 'subnet-0a1b2c3d4e5f60714', availabilityZone: 'eu-west-1a', cidr: '10.1.1.0/24' },
          ],
        },
      ),
    ).toThrow(
      'CacheVpnAccess VpnTest/VpnAccess: cache subnet subnet-0a1b2c3d4e5f60714 (10.1.1.0/24) is not inside the VPC CIDR blocks 10.0.0.0/16',
    );
  });
});

describe('CachegateStack with the example config', () => {
  it('creates the VPN access from the vpnAccess section and exposes it for the CRL workflows', () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const { stack } = buildApp(app);
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::EC2::ClientVpnEndpoint', {
      VpcId: 'vpc-0a1b2c3d4e5f60718',
      AuthenticationOptions: [Match.objectLike({ Type: 'certificate-authentication' })],
      ConnectionLogOptions: Match.objectLike({ Enabled: true }),
    });
    expect(stack.vpnAccess).toBeDefined();
    const endpointRef = { Ref: Object.keys(template.findResources('AWS::EC2::ClientVpnEndpoint'))[0] };
    expect(stack.resolve(stack.vpnAccess!.crlTarget().endpointId)).toEqual(endpointRef);
    // The CRL workflows address the endpoint by reference to this construct, not by a copied ID.
    const users = Object.entries(template.toJSON().Resources as Record<string, unknown>).filter(
      ([id, resource]) =>
        !id.startsWith('VpnAccess') && JSON.stringify(resource).includes(JSON.stringify(endpointRef)),
    );
    expect(users.map(([id]) => id).some((id) => id.startsWith('ClientVpnCrl'))).toBe(true);
  });
});

import { Annotations, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import {
  ClientVpnEndpoint,
  type ClientVpnSessionTimeout,
  type ISecurityGroup,
  type ISubnet,
  type IVpc,
  Port,
  SecurityGroup,
  Subnet,
  Vpc,
} from 'aws-cdk-lib/aws-ec2';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { ValidationError } from '../../functions/core/errors.js';
import { DEFAULT_CLIENT_CIDR } from '../../functions/core/vpn/client-cidr.js';
import {
  type CacheSubnet,
  EndpointPlanError,
  planCacheVpnEndpoint,
} from '../../functions/core/vpn/endpoint-plan.js';

/**
 * ACM certificate of the endpoint. The operator imports it (`cachegate vpn bootstrap
 * --ca-secret-arn ...` issues it from the stack's CA and stages the files, `aws acm
 * import-certificate` imports them) so the server key is never part of a CloudFormation template,
 * a CDK asset or a Lambda payload: see docs/vpn-access.md.
 */
export interface CacheVpnCertificates {
  /**
   * The server certificate, issued by the stack's CA (CertificateAuthority) with that CA as its
   * chain. It is the client root chain too, as AWS documents when one CA issues the server and the
   * client certificates: the stack's CA issues the client certificates (issue-certificate) and
   * signs the CRLs (revoke-certificate, refresh-crl). A separate client chain is not offered: it
   * would have to be an ACM import of a certificate *and key* of that same CA (ACM cannot import a
   * CA certificate whose key stays in KMS), and any other CA would refuse every workflow-issued
   * certificate and make the stack's CRLs revoke nothing.
   */
  readonly serverCertificateArn: string;
}

export interface CacheVpnAccessProps {
  /** The cache's VPC; its CIDR must be known at synth time (or given in `vpcCidrBlocks`). */
  readonly vpc: IVpc;
  /** The VPC's CIDR blocks (primary and secondary). Default: `[vpc.vpcCidrBlock]`. */
  readonly vpcCidrBlocks?: readonly string[];
  /** The cache's subnets, with their CIDR blocks and availability zones. */
  readonly cacheSubnets: readonly ISubnet[];
  /** The cache's security group: it gains one ingress rule, from the endpoint's group only. */
  readonly cacheSecurityGroup: ISecurityGroup;
  /** Default 6379. */
  readonly cachePort?: number;
  /** Client address pool, /12-/22, outside the VPC. Default 10.255.252.0/22. */
  readonly clientCidr?: string;
  readonly certificates: CacheVpnCertificates;
  /** Retention of the connection log (who connected, when, from where: the audit of VPN use). */
  readonly logRetention: RetentionDays;
  /** Default: the Client VPN default (24 hours). */
  readonly sessionTimeout?: ClientVpnSessionTimeout;
}

/** What the CRL workflows need to address this endpoint (IAM resource and API parameter). */
export interface ClientVpnEndpointTarget {
  readonly endpointId: string;
  readonly endpointArn: string;
}

/**
 * Client VPN access to the cache, as the seed procedure sets it up by hand but narrower:
 * mutual-TLS endpoint, one association per availability zone of the cache subnets (which brings
 * the VPC local route), authorization to the cache subnets only, split tunnel, connection logging,
 * and the cache port opened on the cache's security group only from the endpoint's own security
 * group (the seed's 0.0.0.0/0 rule is the risk this removes). The resources come from
 * `planCacheVpnEndpoint`, which the local sandbox provisioning uses too.
 */
export class CacheVpnAccess extends Construct {
  readonly endpoint: ClientVpnEndpoint;
  readonly securityGroup: SecurityGroup;
  readonly connectionLog: LogGroup;
  readonly clientCidr: string;
  readonly cachePort: number;

  constructor(scope: Construct, id: string, props: CacheVpnAccessProps) {
    super(scope, id);
    this.cachePort = props.cachePort ?? 6379;
    if (!Number.isInteger(this.cachePort) || this.cachePort < 1 || this.cachePort > 65535) {
      throw new Error(`CacheVpnAccess ${this.node.path}: cachePort ${this.cachePort} must be 1-65535`);
    }
    this.clientCidr = props.clientCidr ?? DEFAULT_CLIENT_CIDR;
    const subnets = props.cacheSubnets.map((subnet) => describeSubnet(this, subnet));
    let plan;
    try {
      plan = planCacheVpnEndpoint({
        vpcCidrs: literalVpcCidrs(this, props),
        cacheSubnets: subnets.map((s) => s.plan),
        clientCidr: this.clientCidr,
      });
    } catch (error) {
      if (!(error instanceof EndpointPlanError || error instanceof ValidationError)) throw error;
      throw new Error(`CacheVpnAccess ${this.node.path}: ${error.message}`);
    }
    const subnetById = new Map(subnets.map((s) => [s.plan.subnetId, s.subnet]));

    this.securityGroup = new SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: 'cachegate Client VPN endpoint: egress to the cache port only',
      allowAllOutbound: false,
    });
    this.connectionLog = new LogGroup(this, 'ConnectionLog', {
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const { serverCertificateArn } = props.certificates;
    this.endpoint = new ClientVpnEndpoint(this, 'Endpoint', {
      vpc: props.vpc,
      description: 'cachegate: certificate access to the cache',
      cidr: this.clientCidr,
      serverCertificateArn,
      clientCertificateArn: serverCertificateArn,
      vpcSubnets: { subnets: plan.associations.map((a) => subnetById.get(a.subnetId)!) },
      securityGroups: [this.securityGroup],
      authorizeAllUsersToVpcCidr: false,
      selfServicePortal: false,
      splitTunnel: true,
      logging: true,
      logGroup: this.connectionLog,
      ...(props.sessionTimeout === undefined ? {} : { sessionTimeout: props.sessionTimeout }),
    });
    // Routes: the VPC local route Client VPN adds on association covers every cache subnet.
    plan.authorizations.forEach((cidr, i) => {
      this.endpoint.addAuthorizationRule(`CacheSubnet${i}`, { cidr, description: `cache subnet ${cidr}` });
    });
    this.securityGroup.connections.allowTo(
      props.cacheSecurityGroup,
      Port.tcp(this.cachePort),
      'cache port, from the Client VPN endpoint only',
    );
  }

  get endpointId(): string {
    return this.endpoint.endpointId;
  }

  get endpointArn(): string {
    return Stack.of(this).formatArn({
      service: 'ec2',
      resource: 'client-vpn-endpoint',
      resourceName: this.endpoint.endpointId,
    });
  }

  /** The endpoint as the CRL workflows address it: pass this, never a copied ID. */
  crlTarget(): ClientVpnEndpointTarget {
    return { endpointId: this.endpointId, endpointArn: this.endpointArn };
  }
}

function literalVpcCidrs(scope: Construct, props: CacheVpnAccessProps): string[] {
  if (props.vpcCidrBlocks !== undefined && props.vpcCidrBlocks.length > 0) return [...props.vpcCidrBlocks];
  let cidr: string;
  try {
    cidr = props.vpc.vpcCidrBlock;
  } catch {
    cidr = '';
  }
  if (cidr === '' || Token.isUnresolved(cidr)) {
    throw new Error(
      `CacheVpnAccess ${scope.node.path}: the VPC CIDR is not known at synth time; give vpcCidrBlocks (needed to check clientCidr does not overlap the VPC)`,
    );
  }
  return [cidr];
}

function describeSubnet(scope: Construct, subnet: ISubnet): { subnet: ISubnet; plan: CacheSubnet } {
  let cidr: string;
  let az: string;
  try {
    cidr = subnet.ipv4CidrBlock;
    az = subnet.availabilityZone;
  } catch {
    cidr = '';
    az = '';
  }
  if (
    !cidr ||
    !az ||
    Token.isUnresolved(cidr) ||
    Token.isUnresolved(az) ||
    Token.isUnresolved(subnet.subnetId)
  ) {
    throw new Error(
      `CacheVpnAccess ${scope.node.path}: cache subnet ${subnet.node.id} needs a literal subnetId, ipv4CidrBlock and availabilityZone (authorization rules are per subnet CIDR)`,
    );
  }
  return { subnet, plan: { subnetId: subnet.subnetId, availabilityZone: az, cidr } };
}

/** The `vpnAccess` section of the deployment configuration (infra/config.ts). */
export interface CacheNetworkConfig {
  readonly vpc: { readonly vpcId: string; readonly cidrBlocks: readonly string[] };
  readonly cacheSubnets: readonly {
    readonly subnetId: string;
    readonly availabilityZone: string;
    readonly cidr: string;
  }[];
  readonly cacheSecurityGroupId: string;
}

/**
 * The cache's existing network, imported from fixed IDs: the cache already exists, and a
 * `Vpc.fromLookup` would need AWS credentials at synth time (synth stays offline).
 */
export function importCacheNetwork(
  scope: Construct,
  config: CacheNetworkConfig,
): Pick<CacheVpnAccessProps, 'vpc' | 'vpcCidrBlocks' | 'cacheSubnets' | 'cacheSecurityGroup'> {
  const vpc = Vpc.fromVpcAttributes(scope, 'CacheVpc', {
    vpcId: config.vpc.vpcId,
    vpcCidrBlock: config.vpc.cidrBlocks[0]!,
    availabilityZones: [...new Set(config.cacheSubnets.map((s) => s.availabilityZone))],
  });
  return {
    vpc,
    vpcCidrBlocks: config.vpc.cidrBlocks,
    cacheSubnets: config.cacheSubnets.map((s) => {
      const subnet = Subnet.fromSubnetAttributes(scope, `CacheSubnet-${s.subnetId}`, {
        subnetId: s.subnetId,
        availabilityZone: s.availabilityZone,
        ipv4CidrBlock: s.cidr,
      });
      Annotations.of(subnet).acknowledgeWarning(
        '@aws-cdk/aws-ec2:noSubnetRouteTableId',
        'The subnet is only associated with the Client VPN endpoint; its route table is never read.',
      );
      return subnet;
    }),
    cacheSecurityGroup: SecurityGroup.fromSecurityGroupId(
      scope,
      'CacheSecurityGroup',
      config.cacheSecurityGroupId,
    ),
  };
}

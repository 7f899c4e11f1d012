import { Annotations, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { AttributeType, BillingMode, Table } from 'aws-cdk-lib/aws-dynamodb';
import { type ISecurityGroup, type ISubnet, Peer, Port, SecurityGroup, Subnet } from 'aws-cdk-lib/aws-ec2';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import { ManagedPolicy, PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { type CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Schedule } from 'aws-cdk-lib/aws-scheduler';
import { Construct } from 'constructs';
import { USER_CLAIMS_TABLE } from '../../functions/aws/table-definitions.js';
import type { CacheService } from '../../functions/core/rbac/cache-service.js';
import type { WorkflowScheduleConfig } from '../../functions/core/workflow-schedule.js';
import type { CachegateConfig } from '../config.js';
import { AslWorkflow } from './asl-workflow.js';
import { RuntimeNamedGrants } from './runtime-named-grants.js';
import { cachegateFunction } from './cachegate-function.js';
import { type CacheNetworkConfig, type CacheVpnAccessProps, importCacheNetwork } from './cache-vpn-access.js';
import type { WorkflowSchedules } from './schedules.js';
export interface RotationProps {
  auditBus: IEventBus;
  logRetention: RetentionDays;
  /** The stack's scheduler (infra/constructs/schedules.ts) and when rotate-all runs for every user. */
  schedules: WorkflowSchedules;
  schedule: WorkflowScheduleConfig;
  /**
   * The services whose users rotate (config `rbac.services`). With `memorydb`, the rotation
   * functions also get the MemoryDB grants below and the MemoryDB user secrets.
   */
  services?: readonly CacheService[];
  /**
   * The AUTH probe of VerifyPendingPassword. Without it the verification step reports `skipped`
   * and no rotation function is placed in a VPC.
   */
  probe?: RotationProbeProps;
}

/** The cache's network, as `importCacheNetwork` returns it. */
export type CacheNetwork = Pick<CacheVpnAccessProps, 'vpc' | 'cacheSubnets' | 'cacheSecurityGroup'>;

/**
 * How the verify function, inside the VPC, reaches Secrets Manager to read `AWSPENDING`: an
 * interface VPC endpoint for Secrets Manager (private DNS on) that the operator created, or a
 * NAT gateway on the function's subnets. cachegate does not create the endpoint: one with private
 * DNS changes how the whole VPC resolves Secrets Manager, which is the network owner's call.
 */
export type SecretsManagerAccess =
  { via: 'vpc-endpoint'; endpointSecurityGroup: ISecurityGroup } | { via: 'nat' };

export interface RotationProbeProps {
  /** The cache's primary endpoint, `host:port` (TLS); the port is opened on the cache security group. */
  endpoint: string;
  network: CacheNetwork;
  /** Private subnets of the verify function, in the cache's VPC. Default: the cache subnets. */
  subnets?: readonly ISubnet[];
  secretsManager: SecretsManagerAccess;
}

/** The function that tries `AUTH` with the pending password: the only one placed in the cache's VPC. */
const PROBE_FUNCTION = 'verify-pending-password';

type Access = 'lock' | 'audit' | 'metrics' | 'listSecrets';
interface Grant {
  elastiCache?: { actions: readonly string[]; resource: 'user' | 'usergroup' }[];
  secrets?: string[];
  other?: Access[];
}

const describeUsers = { actions: ['elasticache:DescribeUsers'], resource: 'user' } as const;
const modifyUser = { actions: ['elasticache:ModifyUser'], resource: 'user' } as const;

/** What each rotation function calls, and nothing more. */
const GRANTS: Record<string, Grant> = {
  'begin-password-rotation': {
    elastiCache: [describeUsers],
    secrets: ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue'],
    other: ['lock'],
  },
  'store-pending-password': {
    secrets: [
      'secretsmanager:DescribeSecret',
      'secretsmanager:GetSecretValue',
      'secretsmanager:PutSecretValue',
    ],
  },
  'set-rotation-passwords': {
    elastiCache: [describeUsers, modifyUser],
    secrets: ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue'],
  },
  'check-rotation-passwords': { elastiCache: [describeUsers] },
  'verify-pending-password': { secrets: ['secretsmanager:GetSecretValue'] },
  'promote-pending-password': {
    secrets: ['secretsmanager:DescribeSecret', 'secretsmanager:UpdateSecretVersionStage'],
  },
  'finish-password-rotation': { other: ['audit', 'lock'] },
  'abandon-password-rotation': { other: ['lock'] },
  'select-rotation-users': {
    elastiCache: [describeUsers, { actions: ['elasticache:DescribeUserGroups'], resource: 'usergroup' }],
    other: ['listSecrets'],
  },
  'summarise-rotation': { other: ['audit', 'metrics'] },
  'rotate-secret': {
    other: ['lock', 'audit'],
    elastiCache: [describeUsers, modifyUser],
    secrets: [
      'secretsmanager:DescribeSecret',
      'secretsmanager:GetSecretValue',
      'secretsmanager:PutSecretValue',
      'secretsmanager:UpdateSecretVersionStage',
    ],
  },
};

const describeMemoryDbUsers = { actions: ['memorydb:DescribeUsers'], resource: 'user' } as const;
const updateMemoryDbUser = { actions: ['memorydb:UpdateUser'], resource: 'user' } as const;

/**
 * The MemoryDB side (`service: memorydb`), granted only when the config lists `memorydb`:
 * `UpdateUser` instead of `ModifyUser`, ACLs instead of user groups. Every function with secret
 * actions above also gets them on the MemoryDB user-secret prefix.
 */
const MEMORYDB_GRANTS: Record<string, { actions: readonly string[]; resource: 'user' | 'acl' }[]> = {
  'begin-password-rotation': [describeMemoryDbUsers],
  'set-rotation-passwords': [describeMemoryDbUsers, updateMemoryDbUser],
  'check-rotation-passwords': [describeMemoryDbUsers],
  'select-rotation-users': [describeMemoryDbUsers, { actions: ['memorydb:DescribeAcls'], resource: 'acl' }],
  'rotate-secret': [describeMemoryDbUsers, updateMemoryDbUser],
};

/**
 * Password rotation (safety rule 3): the rotate-password and rotate-all workflows (sharing one
 * Lambda per function), the per-user claims table (the RBAC workflows take the same claims), the
 * schedule that runs rotate-all (idempotent per period), and the Secrets Manager rotation function
 * for teams using native rotation.
 */
export class Rotation extends Construct {
  readonly locks: Table;
  readonly rotatePassword: AslWorkflow;
  readonly rotateAll: AslWorkflow;
  readonly rotateSecretFunction: NodejsFunction;
  readonly schedule: Schedule;
  /** The verify function's security group, when a probe is configured. */
  readonly probeSecurityGroup: SecurityGroup | undefined;

  constructor(scope: Construct, id: string, props: RotationProps) {
    super(scope, id);
    this.locks = new Table(this, 'Locks', {
      partitionKey: { name: USER_CLAIMS_TABLE.partitionKey, type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      timeToLiveAttribute: USER_CLAIMS_TABLE.timeToLiveAttribute,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const environment = {
      AUDIT_EVENT_BUS: props.auditBus.eventBusName,
      [USER_CLAIMS_TABLE.envVar]: this.locks.tableName,
    };
    this.rotatePassword = new AslWorkflow(this, 'RotatePassword', {
      name: 'rotate-password',
      logRetention: props.logRetention,
      environment,
    });
    this.rotateAll = new AslWorkflow(this, 'RotateAll', {
      name: 'rotate-all',
      logRetention: props.logRetention,
      environment,
      sharedFunctions: this.rotatePassword.functions,
    });
    this.rotateSecretFunction = this.secretsManagerRotationFunction(props.logRetention, environment);
    const functions = {
      ...this.rotatePassword.functions,
      ...this.rotateAll.functions,
      'rotate-secret': this.rotateSecretFunction,
    };
    for (const [name, fn] of Object.entries(functions)) this.grant(name, fn, props);
    const probeFunction = this.rotatePassword.functions[PROBE_FUNCTION];
    if (props.probe && !probeFunction) {
      throw new Error(
        `Rotation ${this.node.path}: rotate-password has no ${PROBE_FUNCTION} function to probe with`,
      );
    }
    this.probeSecurityGroup =
      props.probe && probeFunction ? this.placeProbeInCacheVpc(probeFunction, props.probe) : undefined;

    this.schedule = props.schedules.add({
      workflow: 'rotate-all',
      stateMachine: this.rotateAll.stateMachine,
      schedule: props.schedule,
      input: { selector: { all: true }, requestedBy: 'cachegate-schedule' },
      description: 'cachegate: rotate every cache user password (rotate-all)',
    });
  }

  private secretsManagerRotationFunction(
    logRetention: RetentionDays,
    environment: Record<string, string>,
  ): NodejsFunction {
    const fn = cachegateFunction(this, 'rotate-secret', { logRetention, environment });
    // Only Secrets Manager of this account may invoke it (as a rotation function).
    fn.addPermission('SecretsManagerInvoke', {
      principal: new ServicePrincipal('secretsmanager.amazonaws.com'),
      sourceAccount: Stack.of(this).account,
    });
    return fn;
  }

  /**
   * Only the verify function gets the probe endpoint and runs in the cache's VPC; every other
   * rotation function (rotate-secret included) calls AWS APIs only and stays outside, so the VPC
   * needs no ElastiCache API endpoint. Its security group allows out only the cache port (to the
   * cache's group, which gains the matching ingress) and HTTPS to Secrets Manager.
   * The function is created by AslWorkflow, so the VPC is set on the CloudFormation resource:
   * the function keeps its logical ID (and its fixed-name log group) when a probe is added.
   */
  private placeProbeInCacheVpc(fn: NodejsFunction, probe: RotationProbeProps): SecurityGroup {
    const port = probePort(probe.endpoint, this.node.path);
    const securityGroup = new SecurityGroup(this, 'ProbeSecurityGroup', {
      vpc: probe.network.vpc,
      description: 'cachegate rotation probe: the cache port and Secrets Manager (HTTPS) only',
      allowAllOutbound: false,
    });
    securityGroup.connections.allowTo(
      probe.network.cacheSecurityGroup,
      Port.tcp(port),
      'cache port, from the cachegate rotation probe only',
    );
    if (probe.secretsManager.via === 'vpc-endpoint') {
      securityGroup.connections.allowTo(
        probe.secretsManager.endpointSecurityGroup,
        Port.tcp(443),
        'Secrets Manager VPC endpoint, from the cachegate rotation probe',
      );
    } else {
      // Secrets Manager's public endpoint has no fixed address range: HTTPS anywhere, via the NAT.
      securityGroup.addEgressRule(Peer.anyIpv4(), Port.tcp(443), 'Secrets Manager through the NAT gateway');
    }
    const subnets = probe.subnets ?? probe.network.cacheSubnets;
    (fn.node.defaultChild as CfnFunction).vpcConfig = {
      subnetIds: subnets.map((subnet) => subnet.subnetId),
      securityGroupIds: [securityGroup.securityGroupId],
    };
    fn.role?.addManagedPolicy(
      ManagedPolicy.fromAwsManagedPolicyName('service-role/AWSLambdaVPCAccessExecutionRole'),
    );
    Validations.of(fn).acknowledge({
      id: 'AwsSolutions::AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole]',
      reason:
        'AWSLambdaVPCAccessExecutionRole only allows managing the network interfaces Lambda needs to run the function in the VPC (what CDK attaches to any VPC function).',
    });
    fn.addEnvironment('ROTATION_PROBE_ENDPOINT', probe.endpoint);
    return securityGroup;
  }

  private grant(name: string, fn: NodejsFunction, props: RotationProps): void {
    const grant = GRANTS[name];
    if (!grant) throw new Error(`infra/constructs/rotation.ts: no grant reviewed for function ${name}`);
    const memoryDb = props.services?.includes('memorydb') ?? false;
    const grants = new RuntimeNamedGrants(fn);
    for (const { actions, resource } of grant.elastiCache ?? [])
      grants.cache('elasticache', actions, [resource]);
    for (const { actions, resource } of memoryDb ? (MEMORYDB_GRANTS[name] ?? []) : []) {
      grants.cache('memorydb', actions, [resource]);
    }
    if (grant.secrets)
      grants.userSecrets(grant.secrets, memoryDb ? ['elasticache', 'memorydb'] : ['elasticache']);
    for (const access of grant.other ?? []) {
      if (access === 'lock') {
        fn.addToRolePolicy(
          new PolicyStatement({
            actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:DeleteItem'],
            resources: [this.locks.tableArn],
          }),
        );
      } else if (access === 'audit') {
        props.auditBus.grantPutEventsTo(fn);
      } else if (access === 'metrics') {
        fn.addToRolePolicy(
          new PolicyStatement({
            actions: ['cloudwatch:PutMetricData'],
            resources: ['*'],
            conditions: { StringEquals: { 'cloudwatch:namespace': 'cachegate' } },
          }),
        );
      } else {
        fn.addToRolePolicy(
          new PolicyStatement({ actions: ['secretsmanager:ListSecrets'], resources: ['*'] }),
        );
      }
    }
  }
}

function probePort(endpoint: string, path: string): number {
  const port = Number(/^[^:\s]+:(\d{1,5})$/.exec(endpoint)?.[1]);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new Error(`Rotation ${path}: probe endpoint ${endpoint} must be host:port (port 1-65535)`);
  }
  return port;
}

export type RotationProbeConfig = NonNullable<NonNullable<CachegateConfig['rotation']>['probe']>;

/**
 * The `rotation.probe` config section as props: its own `network`, or else the `vpnAccess`
 * section's. Imported under a scope of its own, so it can sit next to the Client VPN's import.
 */
export function importRotationProbe(
  scope: Construct,
  config: RotationProbeConfig,
  vpnAccess: CacheNetworkConfig | undefined,
): RotationProbeProps {
  const networkConfig = config.network ?? vpnAccess;
  if (!networkConfig)
    throw new Error('rotation.probe.network: is required when there is no vpnAccess section');
  const imports = new Construct(scope, 'RotationProbeNetwork');
  const network = importCacheNetwork(imports, networkConfig);
  const subnets = config.subnetIds?.map((subnetId) => {
    const subnet = Subnet.fromSubnetId(imports, `ProbeSubnet-${subnetId}`, subnetId);
    Annotations.of(subnet).acknowledgeWarning(
      '@aws-cdk/aws-ec2:noSubnetRouteTableId',
      'The subnet only hosts the rotation probe function; its route table is never read.',
    );
    return subnet;
  });
  return {
    endpoint: config.endpoint,
    network,
    ...(subnets ? { subnets } : {}),
    secretsManager:
      config.secretsManager.via === 'nat'
        ? { via: 'nat' }
        : {
            via: 'vpc-endpoint',
            endpointSecurityGroup: SecurityGroup.fromSecurityGroupId(
              imports,
              'SecretsManagerEndpointSecurityGroup',
              config.secretsManager.securityGroupId,
            ),
          },
  };
}

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
import { cachegateFunction, grantCachegateMetrics } from './cachegate-function.js';
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
   * The AUTH probe of VerifyPendingPassword (and of rotate-auth-token's VerifyAuthTokens). Without
   * it the verification steps report `skipped` and no rotation function is placed in a VPC.
   */
  probe?: RotationProbeProps;
  /**
   * Replication groups that stay on AUTH, whose token rotate-auth-token rotates on `schedule`
   * (one schedule per group). Without it the workflow is deployed but not scheduled.
   */
  authTokens?: { replicationGroupIds: readonly string[]; schedule: WorkflowScheduleConfig };
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

/** The functions that try `AUTH` on the cache: the only rotation functions placed in the cache's VPC. */
const PROBE_FUNCTION = 'verify-pending-password';
const TOKEN_PROBE_FUNCTION = 'verify-auth-tokens';

type Access = 'lock' | 'audit' | 'metrics' | 'listSecrets';
interface Grant {
  elastiCache?: { actions: readonly string[]; resource: 'user' | 'usergroup' | 'replicationgroup' }[];
  secrets?: string[];
  /** Actions on the AUTH token secrets (`cachegate/elasticache/auth-tokens/*`). */
  authTokenSecrets?: string[];
  other?: Access[];
}

const describeUsers = { actions: ['elasticache:DescribeUsers'], resource: 'user' } as const;
const modifyUser = { actions: ['elasticache:ModifyUser'], resource: 'user' } as const;
const describeReplicationGroups = {
  actions: ['elasticache:DescribeReplicationGroups'],
  resource: 'replicationgroup',
} as const;
const modifyReplicationGroup = {
  actions: ['elasticache:ModifyReplicationGroup'],
  resource: 'replicationgroup',
} as const;

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
    // rotate-auth-token promotes the token secret's AWSPENDING with the same function.
    authTokenSecrets: ['secretsmanager:DescribeSecret', 'secretsmanager:UpdateSecretVersionStage'],
  },
  'finish-password-rotation': { other: ['audit', 'lock'] },
  'abandon-password-rotation': { other: ['lock'] },
  'select-rotation-users': {
    elastiCache: [describeUsers, { actions: ['elasticache:DescribeUserGroups'], resource: 'usergroup' }],
    other: ['listSecrets'],
  },
  'summarize-rotation': { other: ['audit', 'metrics'] },
  'rotate-secret': {
    other: ['lock', 'audit'],
    // User secrets (ModifyUser) and AUTH token secrets (ModifyReplicationGroup ROTATE).
    elastiCache: [describeUsers, modifyUser, describeReplicationGroups, modifyReplicationGroup],
    secrets: [
      'secretsmanager:DescribeSecret',
      'secretsmanager:GetSecretValue',
      'secretsmanager:PutSecretValue',
      'secretsmanager:UpdateSecretVersionStage',
    ],
    authTokenSecrets: [
      'secretsmanager:DescribeSecret',
      'secretsmanager:GetSecretValue',
      'secretsmanager:PutSecretValue',
      'secretsmanager:UpdateSecretVersionStage',
    ],
  },
  // rotate-auth-token (functions/aws/auth-token-rotation-steps.ts); the claim is the group's token claim.
  'begin-auth-token-rotation': {
    elastiCache: [describeReplicationGroups],
    authTokenSecrets: ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue'],
    other: ['lock'],
  },
  'store-pending-auth-token': {
    authTokenSecrets: [
      'secretsmanager:DescribeSecret',
      'secretsmanager:GetSecretValue',
      'secretsmanager:PutSecretValue',
    ],
  },
  'rotate-in-pending-auth-token': {
    elastiCache: [describeReplicationGroups, modifyReplicationGroup],
    authTokenSecrets: ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue'],
  },
  'check-auth-token-change': { elastiCache: [describeReplicationGroups] },
  'verify-auth-tokens': { authTokenSecrets: ['secretsmanager:GetSecretValue'] },
  'retire-previous-auth-token': {
    elastiCache: [describeReplicationGroups, modifyReplicationGroup],
    authTokenSecrets: ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue'],
  },
  'publish-auth-token-event': { other: ['audit'] },
  'release-auth-token-claim': { other: ['lock'] },
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
  readonly rotateAuthToken: AslWorkflow;
  readonly rotateSecretFunction: NodejsFunction;
  readonly schedule: Schedule;
  /** The probe functions' security group, when a probe is configured. */
  readonly probeSecurityGroup: SecurityGroup | undefined;
  private readonly probe: RotationProbeProps | undefined;

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
    this.rotateAuthToken = new AslWorkflow(this, 'RotateAuthToken', {
      name: 'rotate-auth-token',
      logRetention: props.logRetention,
      environment,
      sharedFunctions: this.rotatePassword.functions,
    });
    this.rotateSecretFunction = this.secretsManagerRotationFunction(props.logRetention, environment);
    const functions = {
      ...this.rotatePassword.functions,
      ...this.rotateAll.functions,
      ...this.rotateAuthToken.functions,
      'rotate-secret': this.rotateSecretFunction,
    };
    for (const [name, fn] of Object.entries(functions)) this.grant(name, fn, props);
    const probeFunctions = [
      this.rotatePassword.functions[PROBE_FUNCTION],
      this.rotateAuthToken.functions[TOKEN_PROBE_FUNCTION],
    ];
    if (props.probe && probeFunctions.some((fn) => fn === undefined)) {
      throw new Error(
        `Rotation ${this.node.path}: ${PROBE_FUNCTION} and ${TOKEN_PROBE_FUNCTION} must exist to probe with`,
      );
    }
    this.probeSecurityGroup = props.probe ? this.probeSecurityGroupFor(props.probe) : undefined;
    this.probe = props.probe;
    for (const fn of probeFunctions) if (fn) this.placeInCacheVpc(fn);

    this.schedule = props.schedules.add({
      workflow: 'rotate-all',
      stateMachine: this.rotateAll.stateMachine,
      schedule: props.schedule,
      input: { selector: { all: true }, requestedBy: 'cachegate-schedule' },
      description: 'cachegate: rotate every cache user password (rotate-all)',
    });
    for (const replicationGroupId of props.authTokens?.replicationGroupIds ?? []) {
      props.schedules.add({
        workflow: 'rotate-auth-token',
        key: replicationGroupId,
        stateMachine: this.rotateAuthToken.stateMachine,
        schedule: props.authTokens!.schedule,
        input: { replicationGroupId, requestedBy: 'cachegate-schedule' },
        description: `cachegate: rotate the AUTH token of ${replicationGroupId} (rotate-auth-token)`,
      });
    }
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
   * The probe functions' security group: out only to the cache port (the cache's group gains the
   * matching ingress) and HTTPS to Secrets Manager; nothing in.
   */
  private probeSecurityGroupFor(probe: RotationProbeProps): SecurityGroup {
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
      securityGroup.addEgressRule(Peer.anyIpv4(), Port.tcp(443), 'Secrets Manager through the NAT gateway');
    }
    return securityGroup;
  }

  /**
   * Places a function that talks to the cache itself (an AUTH probe: rotation's verify steps,
   * finish-migration's connection count) in the cache's VPC with the probe's security group and
   * endpoint. Every other function calls AWS APIs only and stays outside, so the VPC needs no
   * ElastiCache API endpoint. The function is created by AslWorkflow, so the VPC is set on the
   * CloudFormation resource: it keeps its logical ID (and its fixed-name log group) when a probe
   * is added. A no-op without a probe.
   */
  placeInCacheVpc(fn: NodejsFunction): void {
    if (!this.probe || !this.probeSecurityGroup) return;
    const subnets = this.probe.subnets ?? this.probe.network.cacheSubnets;
    (fn.node.defaultChild as CfnFunction).vpcConfig = {
      subnetIds: subnets.map((subnet) => subnet.subnetId),
      securityGroupIds: [this.probeSecurityGroup.securityGroupId],
    };
    fn.role?.addManagedPolicy(
      ManagedPolicy.fromAwsManagedPolicyName('service-role/AWSLambdaVPCAccessExecutionRole'),
    );
    Validations.of(fn).acknowledge({
      id: 'AwsSolutions::AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole]',
      reason:
        'AWSLambdaVPCAccessExecutionRole only allows managing the network interfaces Lambda needs to run the function in the VPC (what CDK attaches to any VPC function).',
    });
    fn.addEnvironment('ROTATION_PROBE_ENDPOINT', this.probe.endpoint);
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
    if (grant.authTokenSecrets) grants.authTokenSecrets(grant.authTokenSecrets);
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
        grantCachegateMetrics(fn);
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

import { Validations } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { Port, SecurityGroup } from 'aws-cdk-lib/aws-ec2';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import { ManagedPolicy, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { CacheService } from '../../functions/core/rbac/cache-service.js';
import { USER_CLAIMS_TABLE } from '../../functions/aws/table-definitions.js';
import { AslWorkflow } from './asl-workflow.js';
import type { RotationProbeProps } from './rotation.js';
import { RuntimeNamedGrants } from './runtime-named-grants.js';

export interface RbacProps {
  auditBus: IEventBus;
  logRetention: RetentionDays;
  /**
   * The services onboard-user / offboard-user may manage (default ElastiCache only). With
   * `memorydb`, their Lambdas also get the MemoryDB grants below and the MemoryDB user secrets.
   */
  services?: readonly CacheService[];
  /** The per-user claims table (created with the rotation lock table's name): one change per user at a time. */
  userClaims: ITable;
  /**
   * Puts a function that talks to the cache itself in the cache's VPC with the connectivity
   * probe's endpoint and security group (Rotation.placeInCacheVpc; a no-op without a probe).
   */
  placeInCacheVpc?: (fn: NodejsFunction) => void;
  /**
   * The connectivity probe (config `rotation.probe` with its `cache`): onboard-user's
   * VerifyIamUser runs in the cache's VPC and authenticates a new IAM user there with a token it
   * signs. Without it the step reports `skipped`.
   */
  iamProbe?: Pick<RotationProbeProps, 'endpoint' | 'network' | 'subnets'> & { cache: string };
}

/** finish-migration's look at `CLIENT LIST`: the one RBAC function that talks to the cache. */
const PROBE_FUNCTIONS = ['count-default-connections'];

/** The ElastiCache RBAC workflows, deployed as `cachegate-<name>`. */
export const RBAC_WORKFLOWS = [
  'onboard-user',
  'offboard-user',
  'harden-default-user',
  'migrate-to-rbac',
  'finish-migration',
] as const;

type ElastiCacheResource = 'user' | 'usergroup' | 'replicationgroup' | 'cluster' | 'serverlesscache';

/** What one Lambda may do: ElastiCache actions by resource type, secret actions, audit events, claims. */
interface Grant {
  elastiCache?: { actions: readonly string[]; resources: readonly ElastiCacheResource[] }[];
  userSecrets?: readonly string[];
  /** Actions on the AUTH token secrets (`cachegate/elasticache/auth-tokens/*`). */
  authTokenSecrets?: readonly string[];
  auditEvents?: true;
  userClaims?: readonly string[];
  /** IAM connect grants: actions on cachegate's managed policies, and attach/detach actions for them. */
  iamConnectPolicies?: { policies: readonly string[]; attachments: readonly string[] };
}

const describeUsers = { actions: ['elasticache:DescribeUsers'], resources: ['user'] } as const;
const describeUserGroups = { actions: ['elasticache:DescribeUserGroups'], resources: ['usergroup'] } as const;
const describeReplicationGroups = {
  actions: ['elasticache:DescribeReplicationGroups'],
  resources: ['replicationgroup'],
} as const;
const describeServerlessCaches = {
  actions: ['elasticache:DescribeServerlessCaches'],
  resources: ['serverlesscache'],
} as const;
/** ModifyUserGroup authorizes on the group and on each user added or removed. */
const modifyUserGroup = {
  actions: ['elasticache:ModifyUserGroup'],
  resources: ['usergroup', 'user'],
} as const;

/**
 * Least privilege, function by function. ElastiCache users, user groups and replication groups
 * are named at run time, so their grants stop at the resource type of this account and region
 * (`user:*`, the narrowest the ElastiCache IAM reference allows); secrets stop at cachegate's
 * user-secret name prefix; audit events go to the audit bus only. A function a workflow uses
 * that is missing here fails the synth, so nothing is deployed without a reviewed grant.
 */
const GRANTS: Record<string, Grant> = {
  // Takes a claim: reads the item, then a conditional PutItem (functions/aws/user-claims.ts); a
  // claim a finished native rotation left is released for it (functions/aws/claim-recovery.ts).
  'claim-user': {
    userClaims: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:DeleteItem'],
    userSecrets: ['secretsmanager:DescribeSecret'],
  },
  'release-user-claim': { userClaims: ['dynamodb:DeleteItem'] },
  'validate-onboard-user': {
    // Replication groups and their nodes, serverless caches: the engine and version of each
    // cache the requested groups serve (access-string catalog, IAM support).
    elastiCache: [
      describeUsers,
      describeUserGroups,
      describeReplicationGroups,
      { actions: ['elasticache:DescribeCacheClusters'], resources: ['cluster'] },
      describeServerlessCaches,
    ],
    userSecrets: ['secretsmanager:DescribeSecret'],
  },
  'store-user-password': {
    userSecrets: [
      'secretsmanager:DescribeSecret',
      'secretsmanager:CreateSecret',
      'secretsmanager:TagResource',
      'secretsmanager:PutSecretValue',
      'secretsmanager:RestoreSecret',
    ],
  },
  'create-cache-user': {
    // Tags on create (the run's cachegate:created-by tag) also authorize AddTagsToResource (the
    // Service Authorization Reference lists it beside CreateUser); ListTagsForResource reads it back
    // on a retry that finds the user.
    elastiCache: [
      {
        actions: [
          'elasticache:CreateUser',
          'elasticache:DescribeUsers',
          'elasticache:AddTagsToResource',
          'elasticache:ListTagsForResource',
        ],
        resources: ['user'],
      },
    ],
    userSecrets: ['secretsmanager:GetSecretValue'],
    // migrate-to-rbac's default user on AUTH: its password is the token, read by version.
    authTokenSecrets: ['secretsmanager:GetSecretValue'],
  },
  'check-cache-user': { elastiCache: [describeUsers] },
  'add-user-to-group': { elastiCache: [describeUserGroups, modifyUserGroup] },
  'remove-user-from-group': { elastiCache: [describeUserGroups, modifyUserGroup] },
  // A membership change lands on the group's serverless caches after the group: wait for them too.
  'check-group-membership': { elastiCache: [describeUserGroups, describeServerlessCaches] },
  'validate-offboard-user': {
    elastiCache: [describeUsers, describeUserGroups],
    userSecrets: ['secretsmanager:DescribeSecret'],
  },
  'delete-cache-user': { elastiCache: [{ actions: ['elasticache:DeleteUser'], resources: ['user'] }] },
  'schedule-user-secret-deletion': {
    userSecrets: ['secretsmanager:DescribeSecret', 'secretsmanager:DeleteSecret'],
  },
  'publish-user-audit-event': { auditEvents: true },
  'validate-harden-default-user': {
    elastiCache: [describeUsers, describeUserGroups],
    userSecrets: ['secretsmanager:DescribeSecret'],
  },
  'swap-default-user': { elastiCache: [describeUsers, describeUserGroups, modifyUserGroup] },
  'check-default-user-swap': { elastiCache: [describeUserGroups] },
  'validate-migrate-to-rbac': {
    elastiCache: [
      describeReplicationGroups,
      // The engine version (RBAC needs a minimum) is on the member clusters only.
      { actions: ['elasticache:DescribeCacheClusters'], resources: ['cluster'] },
      describeServerlessCaches,
      describeUsers,
      describeUserGroups,
    ],
    userSecrets: ['secretsmanager:DescribeSecret'],
    // The named token secret must be readable and hold a valid token before anything changes.
    authTokenSecrets: ['secretsmanager:GetSecretValue'],
  },
  'create-user-group': {
    elastiCache: [
      describeUserGroups,
      // CreateUserGroup authorizes on the new group and on each member user.
      { actions: ['elasticache:CreateUserGroup'], resources: ['usergroup', 'user'] },
    ],
  },
  'check-user-group': { elastiCache: [describeUserGroups] },
  'attach-user-group': {
    elastiCache: [
      describeReplicationGroups,
      // ModifyReplicationGroup authorizes on the replication group and the user groups it attaches.
      { actions: ['elasticache:ModifyReplicationGroup'], resources: ['replicationgroup', 'usergroup'] },
      describeServerlessCaches,
      // ModifyServerlessCache --user-group-id: the serverless cache and the user group it takes.
      { actions: ['elasticache:ModifyServerlessCache'], resources: ['serverlesscache', 'usergroup'] },
    ],
  },
  'check-replication-group': { elastiCache: [describeReplicationGroups, describeServerlessCaches] },
  // finish-migration: read the group and the token secret; list clients with the token; lock default.
  'validate-finish-migration': {
    elastiCache: [describeReplicationGroups, describeUsers, describeUserGroups],
    authTokenSecrets: ['secretsmanager:GetSecretValue'],
  },
  'count-default-connections': { authTokenSecrets: ['secretsmanager:GetSecretValue'] },
  'lock-default-user': {
    elastiCache: [{ actions: ['elasticache:DescribeUsers', 'elasticache:ModifyUser'], resources: ['user'] }],
  },
  'grant-iam-connect': {
    iamConnectPolicies: {
      policies: ['iam:CreatePolicy', 'iam:GetPolicy', 'iam:GetPolicyVersion'],
      attachments: ['iam:AttachRolePolicy', 'iam:AttachUserPolicy'],
    },
  },
  // Verifies an IAM user through the connectivity probe with a token it signs itself: the cache
  // checks that the signer may connect as that user. The same reach as the rotation functions,
  // which read every user's password (docs/rbac.md, "Verifying an IAM user").
  'verify-iam-user': {
    elastiCache: [
      { actions: ['elasticache:Connect'], resources: ['replicationgroup', 'serverlesscache', 'user'] },
    ],
  },
  'revoke-iam-connect': {
    iamConnectPolicies: {
      policies: ['iam:ListEntitiesForPolicy', 'iam:DeletePolicy'],
      attachments: ['iam:DetachRolePolicy', 'iam:DetachUserPolicy'],
    },
  },
};

type MemoryDbResource = 'user' | 'acl' | 'cluster';

/** What one Lambda may do on MemoryDB, and whether it touches MemoryDB user secrets. */
interface MemoryDbGrant {
  memoryDb?: { actions: readonly string[]; resources: readonly MemoryDbResource[] }[];
  userSecrets?: true;
}

const describeMemoryDbUsers = { actions: ['memorydb:DescribeUsers'], resources: ['user'] } as const;
const describeAcls = { actions: ['memorydb:DescribeAcls'], resources: ['acl'] } as const;
/** UpdateACL authorizes on the ACL and on each user added or removed. */
const updateAcl = { actions: ['memorydb:UpdateAcl'], resources: ['acl', 'user'] } as const;
const describeClusters = { actions: ['memorydb:DescribeClusters'], resources: ['cluster'] } as const;

/**
 * The MemoryDB side of onboard-user, offboard-user and migrate-to-rbac (`service: memorydb`),
 * granted only when the config lists `memorydb`. Users, ACLs and clusters are named at run time:
 * grants stop at `user/*`, `acl/*` and `cluster/*` of this account and region. Secret actions are
 * the ElastiCache ones above, extended to the MemoryDB user-secret prefix. harden-default-user
 * refuses MemoryDB, so its Lambdas get nothing here.
 */
const MEMORYDB_GRANTS: Record<string, MemoryDbGrant> = {
  'validate-onboard-user': {
    memoryDb: [describeMemoryDbUsers, describeAcls, describeClusters],
    userSecrets: true,
  },
  'store-user-password': { userSecrets: true },
  'claim-user': { userSecrets: true },
  'create-cache-user': {
    // TagResource for tags on create: an ASSUMPTION by analogy with ElastiCache (docs/aws-facts.md).
    memoryDb: [
      {
        actions: [
          'memorydb:CreateUser',
          'memorydb:DescribeUsers',
          'memorydb:TagResource',
          'memorydb:ListTags',
        ],
        resources: ['user'],
      },
    ],
    userSecrets: true,
  },
  'check-cache-user': { memoryDb: [describeMemoryDbUsers] },
  'add-user-to-group': { memoryDb: [describeAcls, updateAcl] },
  'remove-user-from-group': { memoryDb: [describeAcls, updateAcl] },
  'check-group-membership': { memoryDb: [describeAcls] },
  'validate-offboard-user': { memoryDb: [describeMemoryDbUsers, describeAcls], userSecrets: true },
  'delete-cache-user': { memoryDb: [{ actions: ['memorydb:DeleteUser'], resources: ['user'] }] },
  'schedule-user-secret-deletion': { userSecrets: true },
  // migrate-to-rbac: a cluster on open-access moves to a new ACL (CreateACL and UpdateCluster
  // authorize on the ACL, its users and the cluster).
  'validate-migrate-to-rbac': { memoryDb: [describeMemoryDbUsers, describeAcls, describeClusters] },
  'create-user-group': { memoryDb: [{ actions: ['memorydb:CreateAcl'], resources: ['acl', 'user'] }] },
  'check-user-group': { memoryDb: [describeAcls] },
  'attach-user-group': {
    memoryDb: [describeClusters, { actions: ['memorydb:UpdateCluster'], resources: ['cluster', 'acl'] }],
  },
  'check-replication-group': { memoryDb: [describeClusters] },
};

/**
 * ElastiCache RBAC: onboard-user, offboard-user, harden-default-user and migrate-to-rbac from
 * their `.asl.json`, one Lambda per function name shared by the workflows that use it, each
 * granted exactly what it calls.
 */
export class Rbac extends Construct {
  readonly workflows: Record<(typeof RBAC_WORKFLOWS)[number], AslWorkflow>;

  constructor(scope: Construct, id: string, props: RbacProps) {
    super(scope, id);
    const functions: Record<string, NodejsFunction> = {};
    const workflows = {} as Record<(typeof RBAC_WORKFLOWS)[number], AslWorkflow>;
    for (const name of RBAC_WORKFLOWS) {
      const workflow = new AslWorkflow(this, pascalCase(name), {
        name,
        logRetention: props.logRetention,
        environment: {
          AUDIT_EVENT_BUS: props.auditBus.eventBusName,
          [USER_CLAIMS_TABLE.envVar]: props.userClaims.tableName,
        },
        sharedFunctions: functions,
      });
      Object.assign(functions, workflow.functions);
      workflows[name] = workflow;
    }
    this.workflows = workflows;
    for (const [name, fn] of Object.entries(functions)) this.grant(name, fn, props);
    for (const name of PROBE_FUNCTIONS) {
      const fn = functions[name];
      if (fn) props.placeInCacheVpc?.(fn);
    }
    const verifier = functions['verify-iam-user'];
    if (props.iamProbe && verifier) this.placeIamProbe(verifier, props.iamProbe);
  }

  /**
   * VerifyIamUser in the cache's VPC: its security group allows out only the cache port (the
   * cache's group gains the matching ingress). Signing a token needs no network, so nothing else
   * is opened. Set on the CloudFormation resource, as for the rotation probe, so the function
   * keeps its logical ID when a probe is added.
   */
  private placeIamProbe(fn: NodejsFunction, probe: NonNullable<RbacProps['iamProbe']>): void {
    const port = Number(probe.endpoint.split(':')[1]);
    const securityGroup = new SecurityGroup(this, 'IamProbeSecurityGroup', {
      vpc: probe.network.vpc,
      description: 'cachegate IAM user verification: the cache port only',
      allowAllOutbound: false,
    });
    securityGroup.connections.allowTo(
      probe.network.cacheSecurityGroup,
      Port.tcp(port),
      'cache port, from the cachegate IAM user verification only',
    );
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
    fn.addEnvironment('ROTATION_PROBE_CACHE', probe.cache);
  }

  private grant(name: string, fn: NodejsFunction, props: RbacProps): void {
    const grant = GRANTS[name];
    if (!grant) throw new Error(`infra/constructs/rbac.ts: no grant reviewed for function ${name}`);
    const memoryDbGrant = props.services?.includes('memorydb') ? MEMORYDB_GRANTS[name] : undefined;
    const grants = new RuntimeNamedGrants(fn);
    for (const { actions, resources } of grant.elastiCache ?? [])
      grants.cache('elasticache', actions, resources);
    for (const { actions, resources } of memoryDbGrant?.memoryDb ?? [])
      grants.cache('memorydb', actions, resources);
    if (grant.userSecrets) {
      grants.userSecrets(
        grant.userSecrets,
        memoryDbGrant?.userSecrets ? ['elasticache', 'memorydb'] : ['elasticache'],
      );
    }
    if (grant.authTokenSecrets) grants.authTokenSecrets(grant.authTokenSecrets);
    if (grant.auditEvents) props.auditBus.grantPutEventsTo(fn);
    if (grant.userClaims) {
      fn.addToRolePolicy(
        new PolicyStatement({ actions: [...grant.userClaims], resources: [props.userClaims.tableArn] }),
      );
    }
    if (grant.iamConnectPolicies) {
      grants.managedPolicies(grant.iamConnectPolicies.policies);
      grants.policyAttachments(grant.iamConnectPolicies.attachments);
    }
  }
}

/** `onboard-user` → `OnboardUser`. */
function pascalCase(kebab: string): string {
  return kebab.replace(/(^|-)([a-z0-9])/g, (_, __, c: string) => c.toUpperCase());
}

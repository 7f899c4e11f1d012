import { ArnFormat, Stack, Validations } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { CacheService } from '../../functions/core/rbac/cache-service.js';
import { AUTH_TOKEN_SECRET_PREFIX } from '../../functions/core/rbac/migration.js';
import { IAM_POLICY_PATH } from '../../functions/core/rbac/iam-auth.js';
import { userSecretNamePrefix } from '../../functions/core/rbac/user-secret.js';

const SERVICE_NAMES: Record<CacheService, string> = { elasticache: 'ElastiCache', memorydb: 'MemoryDB' };

/**
 * Grants on resources a workflow names at run time (cache users, groups, ACLs, clusters, user
 * secrets), for one function: the narrowest ARN each IAM reference allows, and the cdk-nag
 * acknowledgement of its wildcard, once per ARN. Used by the RBAC and rotation constructs.
 */
export class RuntimeNamedGrants {
  private readonly acknowledged = new Set<string>();
  private readonly stack: Stack;

  constructor(private readonly fn: NodejsFunction) {
    this.stack = Stack.of(fn);
  }

  /** `actions` on every resource of each type: `elasticache:…:<type>:*` or `memorydb:…:<type>/*`. */
  cache(service: CacheService, actions: readonly string[], types: readonly string[]): void {
    const memoryDb = service === 'memorydb';
    this.fn.addToRolePolicy(
      new PolicyStatement({
        actions: [...actions],
        resources: types.map((type) =>
          this.stack.formatArn({
            service,
            resource: type,
            resourceName: '*',
            arnFormat: memoryDb ? ArnFormat.SLASH_RESOURCE_NAME : ArnFormat.COLON_RESOURCE_NAME,
          }),
        ),
      }),
    );
    for (const type of types) {
      this.acknowledge(
        `arn:<AWS::Partition>:${service}:${this.stack.region}:${this.stack.account}:${type}${memoryDb ? '/' : ':'}*`,
        `${SERVICE_NAMES[service]} ${type} names are chosen at run time; this is the narrowest ARN the ${SERVICE_NAMES[service]} IAM reference allows for ${actions.join(', ')}.`,
      );
    }
  }

  /** `actions` on cachegate's user secrets of each service (one name prefix per service). */
  userSecrets(actions: readonly string[], services: readonly CacheService[]): void {
    const prefixes = services.map((service) => userSecretNamePrefix(service));
    this.fn.addToRolePolicy(
      new PolicyStatement({
        actions: [...actions],
        resources: prefixes.map((prefix) =>
          this.stack.formatArn({
            service: 'secretsmanager',
            resource: 'secret',
            resourceName: `${prefix}*`,
            arnFormat: ArnFormat.COLON_RESOURCE_NAME,
          }),
        ),
      }),
    );
    for (const prefix of prefixes) {
      this.acknowledge(
        `arn:<AWS::Partition>:secretsmanager:${this.stack.region}:${this.stack.account}:secret:${prefix}*`,
        'One secret per cache user, named at run time under cachegate’s user-secret prefix (the ARN also ends in a random suffix).',
      );
    }
  }

  /** `actions` on the replication groups' AUTH token secrets (one name prefix). */
  authTokenSecrets(actions: readonly string[]): void {
    this.fn.addToRolePolicy(
      new PolicyStatement({
        actions: [...actions],
        resources: [
          this.stack.formatArn({
            service: 'secretsmanager',
            resource: 'secret',
            resourceName: `${AUTH_TOKEN_SECRET_PREFIX}*`,
            arnFormat: ArnFormat.COLON_RESOURCE_NAME,
          }),
        ],
      }),
    );
    this.acknowledge(
      `arn:<AWS::Partition>:secretsmanager:${this.stack.region}:${this.stack.account}:secret:${AUTH_TOKEN_SECRET_PREFIX}*`,
      'One AUTH token secret per replication group, named by the operator at run time under cachegate’s auth-token prefix (the ARN also ends in a random suffix).',
    );
  }

  /**
   * `actions` on cachegate's managed policies (IAM connect grants), which live under their own
   * path: `arn:…:iam::<account>:policy/cachegate/*`.
   */
  managedPolicies(actions: readonly string[]): void {
    const resource = this.managedPolicyArn();
    this.fn.addToRolePolicy(new PolicyStatement({ actions: [...actions], resources: [resource] }));
    this.acknowledge(
      `arn:<AWS::Partition>:iam::${this.stack.account}:policy${IAM_POLICY_PATH}*`,
      'One connect policy per IAM-authenticated cache user, named at run time under cachegate’s IAM path.',
    );
  }

  /**
   * Attach / detach `actions` on any role or user, but only for cachegate's managed policies
   * (condition `iam:PolicyARN`): the principal is named by the onboarding request, the policy
   * can only be one cachegate wrote.
   */
  policyAttachments(actions: readonly string[]): void {
    this.fn.addToRolePolicy(
      new PolicyStatement({
        actions: [...actions],
        resources: ['role', 'user'].map((type) =>
          this.stack.formatArn({ service: 'iam', region: '', resource: type, resourceName: '*' }),
        ),
        conditions: { ArnLike: { 'iam:PolicyARN': this.managedPolicyArn() } },
      }),
    );
    for (const type of ['role', 'user']) {
      this.acknowledge(
        `arn:<AWS::Partition>:iam::${this.stack.account}:${type}/*`,
        'The principal of an IAM-authenticated cache user is named at run time; the iam:PolicyARN condition limits attachments to cachegate’s own connect policies.',
      );
    }
  }

  private managedPolicyArn(): string {
    return this.stack.formatArn({
      service: 'iam',
      region: '',
      resource: 'policy',
      resourceName: `${IAM_POLICY_PATH.slice(1)}*`,
    });
  }

  private acknowledge(resource: string, reason: string): void {
    if (this.acknowledged.has(resource)) return;
    this.acknowledged.add(resource);
    Validations.of(this.fn).acknowledge({
      id: `AwsSolutions::AwsSolutions-IAM5[Resource::${resource}]`,
      reason,
    });
  }
}

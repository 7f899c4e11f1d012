import { generateAuthToken } from '../../../../functions/core/auth-token-policy.js';
import { generatePassword } from '../../../../functions/core/password-policy.js';
import type { ElastiCacheModel } from './index.js';
import type { SecretsManagerModel } from '../secrets-manager.js';

/** What `seedRbacDemo` puts in the sandbox (the CLI's local mode and the demo use it). */
export const RBAC_DEMO = {
  /** TLS on, RBAC: user group `orders-users` attached. */
  rbacReplicationGroup: 'orders-cache',
  userGroup: 'orders-users',
  /** A member of `orders-users`. */
  user: 'orders-reader',
  /** TLS on, still on AUTH (no user group): the migrate-to-rbac candidate. */
  authReplicationGroup: 'legacy-cache',
  /** Its AUTH token (generated), by partial ARN: `migrate-to-rbac --auth-token-secret-arn`. */
  authTokenSecretArn:
    'arn:aws:secretsmanager:us-east-1:000000000000:secret:cachegate/elasticache/auth-tokens/legacy-cache',
  /** A user that is in no group yet, for `migrate-to-rbac --user`. */
  unassignedUser: 'legacy-app',
  /** TLS off: migrate-to-rbac refuses it. */
  plaintextReplicationGroup: 'plaintext-cache',
  /** A Valkey 8 serverless cache with no user group yet: `migrate-to-rbac --serverless-cache`. */
  serverlessCache: 'sessions-serverless',
  /** The application's IAM role (`user migrate-to-iam --principal`; seeded by the CLI's sandbox). */
  iamRole: 'arn:aws:iam::000000000000:role/orders-app',
} as const;

/**
 * A small ElastiCache account for local runs: a replication group on RBAC with its user group
 * and one member, one on AUTH with TLS (its generated token in a Secrets Manager secret, as an
 * operator keeps it), one without TLS, a Valkey serverless cache without a user group, and a user
 * in no group. Passwords are generated and thrown
 * away: nothing here is meant to be logged in with.
 */
export async function seedRbacDemo(
  model: ElastiCacheModel,
  secretsManager: SecretsManagerModel,
): Promise<void> {
  model.seedUser({
    userId: RBAC_DEMO.user,
    userName: RBAC_DEMO.user,
    accessString: 'on ~orders:* -@all +@read',
    passwords: [generatePassword()],
  });
  model.seedUser({
    userId: RBAC_DEMO.unassignedUser,
    userName: RBAC_DEMO.unassignedUser,
    accessString: 'on ~app:* -@all +@read',
    passwords: [generatePassword()],
  });
  model.seedUserGroup({ id: RBAC_DEMO.userGroup, userIds: ['default', RBAC_DEMO.user] });
  model.seedReplicationGroup({
    id: RBAC_DEMO.rbacReplicationGroup,
    transitEncryption: true,
    userGroupIds: [RBAC_DEMO.userGroup],
  });
  const authToken = generateAuthToken();
  model.seedReplicationGroup({ id: RBAC_DEMO.authReplicationGroup, transitEncryption: true, authToken });
  const { ARN } = await secretsManager.commands.CreateSecret({
    Name: `cachegate/elasticache/auth-tokens/${RBAC_DEMO.authReplicationGroup}`,
    SecretString: authToken,
  });
  if (!ARN.startsWith(`${RBAC_DEMO.authTokenSecretArn}-`)) {
    throw new Error(`sandbox: the demo token secret is ${ARN}, not under ${RBAC_DEMO.authTokenSecretArn}`);
  }
  model.seedReplicationGroup({ id: RBAC_DEMO.plaintextReplicationGroup, transitEncryption: false });
  model.seedServerlessCache({ name: RBAC_DEMO.serverlessCache, engine: 'valkey' });
}

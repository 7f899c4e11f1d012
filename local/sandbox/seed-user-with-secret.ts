import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { createAwsClient } from '../../functions/aws/clients.js';
import { generatePassword } from '../../functions/core/password-policy.js';
import type { CacheService } from '../../functions/core/rbac/cache-service.js';
import { userSecretName, userSecretTags } from '../../functions/core/rbac/user-secret.js';
import type { ElastiCacheModel } from './models/elasticache/index.js';
import type { MemoryDbModel } from './models/memorydb/index.js';
import type { Sandbox } from './sandbox.js';

/**
 * A ready ElastiCache (or MemoryDB) user with one password and its cachegate secret (AWSCURRENT),
 * as onboard-user leaves it (the rotation tests and benchmark seed their users with it too).
 */
export async function seedUserWithSecret(
  sandbox: Sandbox,
  userId: string,
  options: { service?: CacheService; accessString?: string; extraTags?: Record<string, string> } = {},
): Promise<{ secretArn: string; password: string }> {
  const { service = 'elasticache', accessString = 'on ~reports:* +@read', extraTags = {} } = options;
  const password = generatePassword();
  if (service === 'memorydb') {
    sandbox
      .model<MemoryDbModel>('MemoryDB')
      .seedUser({ userName: userId, accessString, passwords: [password] });
  } else {
    sandbox
      .model<ElastiCacheModel>('ElastiCache')
      .seedUser({ userId, userName: userId, accessString, passwords: [password] });
  }
  const { ARN } = await createAwsClient(SecretsManagerClient, {}).send(
    new CreateSecretCommand({
      Name: userSecretName(userId, service),
      SecretString: JSON.stringify({ username: userId, password }),
      Tags: Object.entries({ ...userSecretTags(userId), ...extraTags }).map(([Key, Value]) => ({
        Key,
        Value,
      })),
    }),
  );
  return { secretArn: ARN ?? '', password };
}

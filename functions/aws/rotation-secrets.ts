import {
  GetSecretValueCommand,
  ListSecretsCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import type { CacheService } from '../core/rbac/cache-service.js';
import {
  USER_ID_TAG,
  userSecretNamePrefix,
  userSecretSchema,
  type UserSecret,
} from '../core/rbac/user-secret.js';
import type { StageMove } from '../core/rotation/plan.js';
import { stagesOf, type SecretStages } from '../core/rotation/stages.js';
import { createAwsClient } from './clients.js';
import { describeSecret, type SecretVersionRef } from './secrets.js';

let client: SecretsManagerClient | undefined;
const secretsManager = () => (client ??= createAwsClient(SecretsManagerClient, {}));

export interface RotatingSecret {
  arn: string;
  name: string;
  tags: Record<string, string>;
  scheduledForDeletion: boolean;
  stages: SecretStages;
}

/** The secret's labels and tags (no value); undefined when there is no such secret. */
export async function describeRotatingSecret(secretId: string): Promise<RotatingSecret | undefined> {
  const secret = await describeSecret(secretId);
  if (!secret) return undefined;
  return {
    arn: secret.arn,
    name: secret.name,
    tags: secret.tags,
    scheduledForDeletion: secret.deletionDate !== undefined,
    stages: stagesOf(secret.versionStages),
  };
}

/**
 * Reads one version as a user secret (`{username, password}`); undefined when the version is
 * missing, empty (a rotation that failed before storing a value) or not a user secret. Never
 * lets JSON.parse quote the value in an error.
 */
export async function readUserSecret(ref: SecretVersionRef): Promise<UserSecret | undefined> {
  let text: string | undefined;
  try {
    const { SecretString } = await secretsManager().send(
      new GetSecretValueCommand({ SecretId: ref.arn, VersionId: ref.versionId }),
    );
    text = SecretString;
  } catch (error) {
    if (error instanceof ResourceNotFoundException) return undefined;
    throw error;
  }
  if (text === undefined) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  const parsed = userSecretSchema.safeParse(value);
  return parsed.success ? parsed.data : undefined;
}

/**
 * Whether a version holds a value at all: GetSecretValue on the AWSPENDING version RotateSecret
 * creates fails with ResourceNotFoundException until a value is stored under its ID.
 */
export async function versionHoldsValue(ref: SecretVersionRef): Promise<boolean> {
  try {
    await secretsManager().send(new GetSecretValueCommand({ SecretId: ref.arn, VersionId: ref.versionId }));
    return true;
  } catch (error) {
    if (error instanceof ResourceNotFoundException) return false;
    throw error;
  }
}

/**
 * One version's string, or undefined when the version is missing or holds none (an AUTH token
 * secret's value is the token itself). The value never goes into an error.
 */
export async function readVersionString(ref: SecretVersionRef): Promise<string | undefined> {
  try {
    const { SecretString } = await secretsManager().send(
      new GetSecretValueCommand({ SecretId: ref.arn, VersionId: ref.versionId }),
    );
    return SecretString;
  } catch (error) {
    if (error instanceof ResourceNotFoundException) return undefined;
    throw error;
  }
}

export async function moveVersionStage(secretArn: string, move: StageMove): Promise<void> {
  await secretsManager().send(
    new UpdateSecretVersionStageCommand({
      SecretId: secretArn,
      VersionStage: move.stage,
      ...(move.moveToVersionId ? { MoveToVersionId: move.moveToVersionId } : {}),
      ...(move.removeFromVersionId ? { RemoveFromVersionId: move.removeFromVersionId } : {}),
    }),
  );
}

/**
 * Every secret tagged with a cachegate user ID of `service` (its name under the service's prefix:
 * an ElastiCache and a MemoryDB user may share an ID), with its tags (rotate-all's tag selector
 * reads them).
 */
export async function listUserSecrets(
  service: CacheService = 'elasticache',
): Promise<{ userId: string; arn: string; tags: Record<string, string> }[]> {
  const found: { userId: string; arn: string; tags: Record<string, string> }[] = [];
  let nextToken: string | undefined;
  do {
    const page = await secretsManager().send(
      new ListSecretsCommand({ Filters: [{ Key: 'tag-key', Values: [USER_ID_TAG] }], NextToken: nextToken }),
    );
    for (const secret of page.SecretList ?? []) {
      const tags = Object.fromEntries((secret.Tags ?? []).map((t) => [t.Key ?? '', t.Value ?? '']));
      const userId = tags[USER_ID_TAG];
      if (userId && (secret.Name ?? '').startsWith(userSecretNamePrefix(service)))
        found.push({ userId, arn: secret.ARN ?? '', tags });
    }
    nextToken = page.NextToken;
  } while (nextToken);
  return found;
}

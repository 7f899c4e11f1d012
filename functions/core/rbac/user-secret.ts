import * as z from 'zod/mini';
import { ValidationError } from '../errors.js';
import type { CacheService } from './cache-service.js';

/**
 * Where and how a cache user's password is kept: one secret per user, JSON
 * `{"username", "password"}`, tagged so cachegate only ever touches secrets it manages.
 */
export const USER_ID_TAG = 'cachegate:user-id';
export const MANAGED_TAG = 'cachegate:managed';

export const userSecretSchema = z.object({
  username: z.string().check(z.minLength(1)),
  password: z.string().check(z.minLength(1)),
});
export type UserSecret = z.infer<typeof userSecretSchema>;

/** Every ElastiCache user secret's name starts with this (IAM grants are scoped to it). */
export const USER_SECRET_NAME_PREFIX = 'cachegate/elasticache/users/';
/**
 * MemoryDB user secrets have their own prefix: a MemoryDB user and an ElastiCache user may share
 * a name, and neither workflow may ever touch the other's secret.
 */
export const MEMORYDB_USER_SECRET_NAME_PREFIX = 'cachegate/memorydb/users/';

export function userSecretNamePrefix(service: CacheService = 'elasticache'): string {
  return service === 'memorydb' ? MEMORYDB_USER_SECRET_NAME_PREFIX : USER_SECRET_NAME_PREFIX;
}

export function userSecretName(userId: string, service: CacheService = 'elasticache'): string {
  return `${userSecretNamePrefix(service)}${userId}`;
}

/** The service whose user a secret name belongs to, from its prefix; undefined for any other name. */
export function serviceOfUserSecretName(name: string): CacheService | undefined {
  if (name.startsWith(MEMORYDB_USER_SECRET_NAME_PREFIX)) return 'memorydb';
  if (name.startsWith(USER_SECRET_NAME_PREFIX)) return 'elasticache';
  return undefined;
}

export function userSecretTags(userId: string): Record<string, string> {
  return { [USER_ID_TAG]: userId, [MANAGED_TAG]: 'true' };
}

/** True when the tags say cachegate manages this secret for this user. */
export function isManagedUserSecret(tags: Record<string, string>, userId: string): boolean {
  return tags[MANAGED_TAG] === 'true' && tags[USER_ID_TAG] === userId;
}

/**
 * A new user's secret name must be free or already cachegate's secret for that user (a retry):
 * any other secret by that name is refused, naming `field`, so it is never overwritten.
 */
export function rejectForeignUserSecret(
  secret: { name: string; tags: Record<string, string> } | undefined,
  userId: string,
  field: string,
): void {
  if (secret && !isManagedUserSecret(secret.tags, userId)) {
    throw new ValidationError(
      `secret ${secret.name} exists and is not a cachegate secret for this user`,
      field,
    );
  }
}

/**
 * Whether a failed run's clean-up may schedule the secret for deletion: only when every labelled
 * version is the one this run stored, i.e. the run created the secret's whole content. A secret
 * another run (or an earlier life of the user) also wrote is left alone.
 */
export function onlyVersionIs(
  versionIdsToStages: Record<string, readonly string[]>,
  versionId: string,
): boolean {
  const versions = Object.keys(versionIdsToStages);
  return versions.length > 0 && versions.every((v) => v === versionId);
}

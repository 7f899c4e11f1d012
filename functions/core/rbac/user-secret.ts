import { z } from 'zod';

/**
 * Where and how a cache user's password is kept: one secret per user, JSON
 * `{"username", "password"}`, tagged so cachegate only ever touches secrets it manages.
 */
export const USER_ID_TAG = 'cachegate:user-id';
export const MANAGED_TAG = 'cachegate:managed';

export const userSecretSchema = z.object({ username: z.string().min(1), password: z.string().min(1) });
export type UserSecret = z.infer<typeof userSecretSchema>;

/** Every user secret's name starts with this (IAM grants are scoped to it). */
export const USER_SECRET_NAME_PREFIX = 'cachegate/elasticache/users/';

export function userSecretName(userId: string): string {
  return `${USER_SECRET_NAME_PREFIX}${userId}`;
}

export function userSecretTags(userId: string): Record<string, string> {
  return { [USER_ID_TAG]: userId, [MANAGED_TAG]: 'true' };
}

/** True when the tags say cachegate manages this secret for this user. */
export function isManagedUserSecret(tags: Record<string, string>, userId: string): boolean {
  return tags[MANAGED_TAG] === 'true' && tags[USER_ID_TAG] === userId;
}

/**
 * Password → IAM for an existing ElastiCache user, as AWS's AUTH → IAM path goes: a new
 * IAM-authenticated user beside the password user (same groups, same access string), verified
 * with an IAM auth token, and only then the password user removed. Composed of onboard-user and
 * offboard-user (docs/rbac.md, "Password → IAM"); this module decides, before anything changes,
 * whether the user can be migrated and what the new user is.
 */
import * as z from 'zod/mini';
import { CachegateError, ConflictError, NotFoundError, ValidationError } from '../errors.js';
import { rbacIdentifier } from './identifier.js';
import { iamPrincipalArnSchema } from './iam-auth.js';
import type { OnboardUserRequest } from './onboarding.js';
import { BUILT_IN_DEFAULT_USER_ID, DEFAULT_USER_NAME, type UserDetailSnapshot } from './snapshots.js';

export const iamMigrationRequestSchema = z.object({
  /** The password user clients use today. */
  userId: rbacIdentifier,
  /** The IAM user to create: user ID = user name, lower case (AWS requirement for IAM users). */
  iamUserId: rbacIdentifier,
  principalArn: iamPrincipalArnSchema,
  /** Stop once the IAM user is verified (clients move, then `user delete` the password user). */
  keepPasswordUser: z._default(z.boolean(), false),
  requestedBy: z._default(z.string().check(z.minLength(1), z.maxLength(128)), 'cachegate'),
});

export type IamMigrationRequest = z.infer<typeof iamMigrationRequestSchema>;

/** What the migration reads first: the password user (with its groups) and whether the new ID is taken. */
export interface IamMigrationState {
  user: (UserDetailSnapshot & { userGroupIds: string[] }) | undefined;
  iamUserExists: boolean;
}

/** The onboard-user request for the IAM user, or a refusal naming the field; nothing has changed yet. */
export function planIamMigration(request: IamMigrationRequest, state: IamMigrationState): OnboardUserRequest {
  if (request.iamUserId === request.userId) {
    throw new ValidationError(
      'the IAM user is a new user beside the password user: give it another ID',
      'iamUserId',
    );
  }
  const user = state.user;
  if (!user) throw new NotFoundError(`user ${request.userId} does not exist`);
  if (user.userId === BUILT_IN_DEFAULT_USER_ID || user.userName === DEFAULT_USER_NAME) {
    throw new ValidationError(
      `user ${user.userId} is a default user: clients do not log in as it by name`,
      'userId',
    );
  }
  if (user.authenticationType === 'iam') {
    throw new ValidationError(
      `user ${user.userId} authenticates with IAM already: nothing to migrate`,
      'userId',
    );
  }
  if (user.authenticationType !== 'password') {
    throw new ValidationError(
      `user ${user.userId} requires no password; only password users are migrated to IAM`,
      'userId',
    );
  }
  if (user.status !== 'active') {
    throw new ValidationError(`user ${user.userId} is ${user.status}: wait until it is active`, 'userId');
  }
  if (user.userGroupIds.length === 0) {
    throw new ValidationError(
      `user ${user.userId} is in no user group: an IAM user is granted access through its groups' caches`,
      'userId',
    );
  }
  if (state.iamUserExists) {
    throw new ConflictError(
      `user ${request.iamUserId} already exists: if an earlier migration created it, move clients to it and remove the password user with offboard-user (cachegate user delete --user-id ${user.userId})`,
    );
  }
  return {
    service: 'elasticache',
    userId: request.iamUserId,
    userName: request.iamUserId,
    engine: user.engine === 'valkey' ? 'valkey' : 'redis',
    auth: 'iam',
    principalArn: request.principalArn,
    accessString: user.accessString,
    userGroupIds: [...user.userGroupIds],
    requestedBy: request.requestedBy,
  };
}

/** The onboarding's IAM verification, as onboard-user's output reports it. */
export interface IamVerification {
  result: 'accepted' | 'skipped';
  detail: string;
}

/** What the migration needs from where it runs: the account's view and the two workflows. */
export interface IamMigrationSteps {
  read(userId: string, iamUserId: string): Promise<IamMigrationState>;
  onboard(request: OnboardUserRequest): Promise<{ policyArn: string; iamVerification: IamVerification }>;
  offboard(request: { userId: string; requestedBy: string }): Promise<unknown>;
}

/** The IAM user exists but the probe could not verify it: the password user is kept. */
export class IamUserNotVerifiedError extends CachegateError {
  override readonly name: string = 'IamUserNotVerifiedError';
  constructor(message: string) {
    super('IAM_NOT_VERIFIED', message, { exitCode: 1 });
  }
}

export interface IamMigrationOutcome {
  iamUserId: string;
  policyArn: string;
  verification: string;
  passwordUserRemoved: boolean;
}

/**
 * Password → IAM: plan (refusals before any change), onboard the IAM user beside the password
 * user (its own claim, grant and verification through the probe with a generated token), then,
 * only when that verification was accepted, offboard the password user (its secret scheduled for
 * deletion as offboarding always does). A skipped verification stops before the removal.
 */
export async function migrateUserToIam(
  request: IamMigrationRequest,
  steps: IamMigrationSteps,
  say: (line: string) => void,
): Promise<IamMigrationOutcome> {
  const onboardRequest = planIamMigration(request, await steps.read(request.userId, request.iamUserId));
  say(
    `creating IAM user ${request.iamUserId} beside ${request.userId} (groups ${onboardRequest.userGroupIds.join(', ')}, same access string)`,
  );
  const onboarded = await steps.onboard(onboardRequest);
  say(`verification: ${onboarded.iamVerification.result} (${onboarded.iamVerification.detail})`);
  if (onboarded.iamVerification.result !== 'accepted') {
    throw new IamUserNotVerifiedError(
      `IAM user ${request.iamUserId} was created but not verified (${onboarded.iamVerification.detail}); password user ${request.userId} is kept. Verify a token yourself, then remove it with: cachegate user delete --user-id ${request.userId}`,
    );
  }
  if (request.keepPasswordUser) {
    say(
      `password user ${request.userId} kept: once clients use ${request.iamUserId}, remove it with cachegate user delete --user-id ${request.userId}`,
    );
    return {
      iamUserId: request.iamUserId,
      policyArn: onboarded.policyArn,
      verification: onboarded.iamVerification.detail,
      passwordUserRemoved: false,
    };
  }
  say(
    `removing password user ${request.userId} (offboard-user: out of its groups, deleted, secret scheduled for deletion)`,
  );
  await steps.offboard({ userId: request.userId, requestedBy: request.requestedBy });
  return {
    iamUserId: request.iamUserId,
    policyArn: onboarded.policyArn,
    verification: onboarded.iamVerification.detail,
    passwordUserRemoved: true,
  };
}

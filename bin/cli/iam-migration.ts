import { CachegateError } from '../../functions/core/errors.js';
import {
  planIamMigration,
  type IamMigrationRequest,
  type IamMigrationState,
} from '../../functions/core/rbac/iam-migration.js';
import type { OnboardUserRequest } from '../../functions/core/rbac/onboarding.js';

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

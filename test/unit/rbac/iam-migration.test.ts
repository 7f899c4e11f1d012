import { describe, expect, it } from '@jest/globals';
import { ConflictError, NotFoundError, ValidationError } from '../../../functions/core/errors.js';
import {
  IamUserNotVerifiedError,
  iamMigrationRequestSchema,
  migrateUserToIam,
  planIamMigration,
  type IamMigrationState,
  type IamMigrationSteps,
  type IamVerification,
} from '../../../functions/core/rbac/iam-migration.js';
import type { OnboardUserRequest } from '../../../functions/core/rbac/onboarding.js';
import type { UserDetailSnapshot } from '../../../functions/core/rbac/snapshots.js';

const PRINCIPAL = 'arn:aws:iam::123456789012:role/orders';
const request = (extra: Record<string, unknown> = {}) =>
  iamMigrationRequestSchema.parse({
    userId: 'orders-app',
    iamUserId: 'orders-iam',
    principalArn: PRINCIPAL,
    ...extra,
  });
const passwordUser = (extra: Partial<UserDetailSnapshot & { userGroupIds: string[] }> = {}) => ({
  userId: 'orders-app',
  userName: 'orders-app',
  status: 'active',
  authenticationType: 'password',
  passwordCount: 1,
  engine: 'redis',
  accessString: 'on ~orders:* +@read',
  userGroupIds: ['app-users', 'ops-users'],
  ...extra,
});
const state = (extra: Partial<IamMigrationState> = {}): IamMigrationState => ({
  user: passwordUser(),
  iamUserExists: false,
  ...extra,
});

function thrown(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error, nothing was thrown');
}

describe('planIamMigration', () => {
  it('asks onboard-user for an IAM user beside the password user: same groups, same access string', () => {
    const onboard = planIamMigration(request({ requestedBy: 'alice' }), state());
    expect(onboard).toEqual({
      service: 'elasticache',
      userId: 'orders-iam',
      userName: 'orders-iam',
      engine: 'redis',
      auth: 'iam',
      principalArn: PRINCIPAL,
      accessString: 'on ~orders:* +@read',
      userGroupIds: ['app-users', 'ops-users'],
      requestedBy: 'alice',
    });
    expect(planIamMigration(request(), state({ user: passwordUser({ engine: 'valkey' }) })).engine).toBe(
      'valkey',
    );
    expect(request().keepPasswordUser).toBe(false);
  });

  it('refuses, naming the field, every user it must not migrate', () => {
    const refused = (req: ReturnType<typeof request>, s: IamMigrationState) => {
      const error = thrown(() => planIamMigration(req, s));
      expect(error).toBeInstanceOf(ValidationError);
      return (error as ValidationError).message;
    };
    expect(refused(request({ iamUserId: 'orders-app' }), state())).toBe(
      'iamUserId: the IAM user is a new user beside the password user: give it another ID',
    );
    expect(refused(request(), state({ user: passwordUser({ userName: 'default' }) }))).toBe(
      'userId: user orders-app is a default user: clients do not log in as it by name',
    );
    expect(
      refused(
        request({ userId: 'default' }),
        state({ user: passwordUser({ userId: 'default', userName: 'x' }) }),
      ),
    ).toBe('userId: user default is a default user: clients do not log in as it by name');
    expect(refused(request(), state({ user: passwordUser({ authenticationType: 'iam' }) }))).toBe(
      'userId: user orders-app authenticates with IAM already: nothing to migrate',
    );
    expect(refused(request(), state({ user: passwordUser({ authenticationType: 'no-password' }) }))).toBe(
      'userId: user orders-app requires no password; only password users are migrated to IAM',
    );
    expect(refused(request(), state({ user: passwordUser({ status: 'modifying' }) }))).toBe(
      'userId: user orders-app is modifying: wait until it is active',
    );
    expect(refused(request(), state({ user: passwordUser({ userGroupIds: [] }) }))).toBe(
      "userId: user orders-app is in no user group: an IAM user is granted access through its groups' caches",
    );
  });

  it('reports a missing user as not found, and a taken IAM user ID as a conflict saying what to do', () => {
    const missing = thrown(() => planIamMigration(request(), state({ user: undefined })));
    expect(missing).toBeInstanceOf(NotFoundError);
    expect((missing as Error).message).toBe('user orders-app does not exist');
    const taken = thrown(() => planIamMigration(request(), state({ iamUserExists: true })));
    expect(taken).toBeInstanceOf(ConflictError);
    expect((taken as Error).message).toBe(
      'user orders-iam already exists: if an earlier migration created it, move clients to it and remove the password user with offboard-user (cachegate user delete --user-id orders-app)',
    );
  });
});

describe('migrateUserToIam', () => {
  function steps(verification: IamVerification) {
    const calls: string[] = [];
    const onboarded: OnboardUserRequest[] = [];
    const run: IamMigrationSteps = {
      read: async (userId, iamUserId) => {
        calls.push(`read ${userId} ${iamUserId}`);
        return state();
      },
      onboard: async (onboardRequest) => {
        calls.push(`onboard ${onboardRequest.userId}`);
        onboarded.push(onboardRequest);
        return { policyArn: 'arn:aws:iam::123456789012:policy/cachegate/p', iamVerification: verification };
      },
      offboard: async ({ userId, requestedBy }) => {
        calls.push(`offboard ${userId} by ${requestedBy}`);
        return {};
      },
    };
    return { run, calls, onboarded };
  }
  const accepted: IamVerification = { result: 'accepted', detail: 'AUTH with a token on orders-rg' };

  it('onboards the IAM user, then removes the password user once the verification is accepted', async () => {
    const { run, calls } = steps(accepted);
    const said: string[] = [];
    await expect(
      migrateUserToIam(request({ requestedBy: 'alice' }), run, (line) => said.push(line)),
    ).resolves.toEqual({
      iamUserId: 'orders-iam',
      policyArn: 'arn:aws:iam::123456789012:policy/cachegate/p',
      verification: 'AUTH with a token on orders-rg',
      passwordUserRemoved: true,
    });
    expect(calls).toEqual([
      'read orders-app orders-iam',
      'onboard orders-iam',
      'offboard orders-app by alice',
    ]);
    expect(said).toEqual([
      'creating IAM user orders-iam beside orders-app (groups app-users, ops-users, same access string)',
      'verification: accepted (AUTH with a token on orders-rg)',
      'removing password user orders-app (offboard-user: out of its groups, deleted, secret scheduled for deletion)',
    ]);
  });

  it('keeps the password user when asked, saying how to remove it later', async () => {
    const { run, calls } = steps(accepted);
    const said: string[] = [];
    const outcome = await migrateUserToIam(request({ keepPasswordUser: true }), run, (line) =>
      said.push(line),
    );
    expect(outcome).toMatchObject({
      passwordUserRemoved: false,
      verification: 'AUTH with a token on orders-rg',
    });
    expect(calls).not.toContainEqual(expect.stringMatching(/^offboard/));
    expect(said.at(-1)).toBe(
      'password user orders-app kept: once clients use orders-iam, remove it with cachegate user delete --user-id orders-app',
    );
  });

  it('keeps the password user and fails when the IAM user could not be verified', async () => {
    const { run, calls } = steps({ result: 'skipped', detail: 'the probe has no network path' });
    const error = await migrateUserToIam(request(), run, () => {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IamUserNotVerifiedError);
    expect(error).toMatchObject({
      code: 'IAM_NOT_VERIFIED',
      exitCode: 1,
      message:
        'IAM user orders-iam was created but not verified (the probe has no network path); password user orders-app is kept. Verify a token yourself, then remove it with: cachegate user delete --user-id orders-app',
    });
    expect(calls).toEqual(['read orders-app orders-iam', 'onboard orders-iam']);
  });

  it('changes nothing when the plan refuses', async () => {
    const { run, calls } = steps(accepted);
    await expect(migrateUserToIam(request({ iamUserId: 'orders-app' }), run, () => {})).rejects.toThrow(
      ValidationError,
    );
    expect(calls).toEqual(['read orders-app orders-app']);
  });
});

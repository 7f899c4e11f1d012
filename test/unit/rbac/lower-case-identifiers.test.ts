import { describe, expect, it } from '@jest/globals';
import { parseCreateAccessRequest } from '../../../functions/core/api/access-requests.js';
import { ValidationError } from '../../../functions/core/errors.js';
import { hardenDefaultUserRequestSchema } from '../../../functions/core/rbac/default-user.js';
import { migrateToRbacRequestSchema } from '../../../functions/core/rbac/migration.js';
import { offboardUserRequestSchema } from '../../../functions/core/rbac/offboarding.js';
import { onboardUserRequestSchema } from '../../../functions/core/rbac/onboarding.js';
import { rotationSelectorSchema } from '../../../functions/core/rotation/selection.js';

/** The message a schema gives for `input`, or '' when it parses. */
function problem(
  schema: { safeParse(input: unknown): { success: boolean; error?: unknown } },
  input: unknown,
) {
  const parsed = schema.safeParse(input);
  return parsed.success ? '' : JSON.stringify(parsed.error);
}

const lowerCase = /must be lower case \(AWS stores these IDs in lower case\): use carol/;

describe('IDs AWS stores in lower case are refused in mixed case, with the spelling AWS would store', () => {
  it('onboard-user: userId and userGroupIds', () => {
    const request = { userId: 'carol', userName: 'Carol', accessString: 'on ~a:* +get', userGroupIds: ['g'] };
    expect(problem(onboardUserRequestSchema, request)).toBe('');
    expect(problem(onboardUserRequestSchema, { ...request, userId: 'Carol' })).toMatch(lowerCase);
    expect(problem(onboardUserRequestSchema, { ...request, userGroupIds: ['Carol'] })).toMatch(lowerCase);
  });

  it('offboard-user, harden-default-user, migrate-to-rbac, rotate-all', () => {
    expect(problem(offboardUserRequestSchema, { userId: 'Carol' })).toMatch(lowerCase);
    expect(problem(hardenDefaultUserRequestSchema, { userGroupId: 'Carol' })).toMatch(lowerCase);
    expect(problem(hardenDefaultUserRequestSchema, { userGroupId: 'g', defaultUserId: 'Carol' })).toMatch(
      lowerCase,
    );
    for (const field of ['replicationGroupId', 'userGroupId', 'defaultUserId']) {
      expect(problem(migrateToRbacRequestSchema, { replicationGroupId: 'rg', [field]: 'Carol' })).toMatch(
        lowerCase,
      );
    }
    expect(problem(migrateToRbacRequestSchema, { replicationGroupId: 'rg', userIds: ['Carol'] })).toMatch(
      lowerCase,
    );
    expect(problem(rotationSelectorSchema, { userGroupId: 'Carol' })).toMatch(lowerCase);
  });

  it('the onboarding API answers 400 naming kind.userId', () => {
    const event = {
      headers: { 'Idempotency-Key': 'key-0001', 'Content-Type': 'application/json' },
      body: JSON.stringify({
        justification: 'needs read access to orders',
        kind: {
          type: 'cache-user',
          userId: 'Carol',
          userName: 'carol',
          accessString: 'on ~orders:* +@read',
          userGroupIds: ['orders-group'],
        },
      }),
      requestContext: { identity: { userArn: 'arn:aws:iam::111111111111:user/bob' } },
    };
    let thrown: unknown;
    try {
      parseCreateAccessRequest(event);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ValidationError);
    expect(String((thrown as Error).message)).toMatch(lowerCase);
    expect(JSON.stringify(thrown)).toMatch(/kind\.userId|userId/);
  });
});

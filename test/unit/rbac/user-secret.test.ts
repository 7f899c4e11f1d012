import { describe, expect, it } from '@jest/globals';
import { ValidationError } from '../../../functions/core/errors.js';
import { rejectForeignUserSecret, userSecretTags } from '../../../functions/core/rbac/user-secret.js';

describe('rejectForeignUserSecret', () => {
  const name = 'cachegate/elasticache/users/orders-app';

  it("accepts a free name and cachegate's own secret for the user (a retry)", () => {
    expect(() => rejectForeignUserSecret(undefined, 'orders-app', 'userId')).not.toThrow();
    expect(() =>
      rejectForeignUserSecret({ name, tags: userSecretTags('orders-app') }, 'orders-app', 'userId'),
    ).not.toThrow();
  });

  it.each([
    ['an untagged secret', {}],
    ["cachegate's secret for another user", userSecretTags('someone-else')],
  ])('refuses %s, naming the field', (_, tags) => {
    let thrown: unknown;
    try {
      rejectForeignUserSecret({ name, tags }, 'orders-app', 'defaultUserId');
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ValidationError);
    expect(thrown).toMatchObject({
      field: 'defaultUserId',
      message: expect.stringContaining(`secret ${name} exists and is not a cachegate secret for this user`),
    });
  });
});

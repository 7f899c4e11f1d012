import { describe, expect, it } from '@jest/globals';
import { ValidationError } from '../../../functions/core/errors.js';
import {
  isManagedUserSecret,
  onlyVersionIs,
  rejectForeignUserSecret,
  serviceOfUserSecretName,
  userSecretName,
  userSecretNamePrefix,
  userSecretTags,
} from '../../../functions/core/rbac/user-secret.js';

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

describe('user secret names', () => {
  it('put ElastiCache and MemoryDB users under their own prefixes, ElastiCache by default', () => {
    expect(userSecretName('orders-app')).toBe('cachegate/elasticache/users/orders-app');
    expect(userSecretName('orders-app', 'elasticache')).toBe('cachegate/elasticache/users/orders-app');
    expect(userSecretName('orders-app', 'memorydb')).toBe('cachegate/memorydb/users/orders-app');
    expect(userSecretNamePrefix()).toBe('cachegate/elasticache/users/');
    expect(userSecretNamePrefix('memorydb')).toBe('cachegate/memorydb/users/');
  });

  it('tell the service from the prefix, and nothing for any other name', () => {
    expect(serviceOfUserSecretName('cachegate/memorydb/users/orders-app')).toBe('memorydb');
    expect(serviceOfUserSecretName('cachegate/elasticache/users/orders-app')).toBe('elasticache');
    expect(serviceOfUserSecretName('cachegate/vpn-client/alice')).toBeUndefined();
    // A prefix elsewhere in the name does not count.
    expect(serviceOfUserSecretName('copy-of-cachegate/memorydb/users/x')).toBeUndefined();
    expect(serviceOfUserSecretName('copy-of-cachegate/elasticache/users/x')).toBeUndefined();
  });
});

describe('isManagedUserSecret', () => {
  it('needs both the managed tag and the user ID tag of this user', () => {
    expect(isManagedUserSecret(userSecretTags('orders-app'), 'orders-app')).toBe(true);
    expect(isManagedUserSecret({ 'cachegate:user-id': 'orders-app' }, 'orders-app')).toBe(false);
    expect(
      isManagedUserSecret({ 'cachegate:managed': 'false', 'cachegate:user-id': 'orders-app' }, 'orders-app'),
    ).toBe(false);
    expect(isManagedUserSecret({ 'cachegate:managed': 'true' }, 'orders-app')).toBe(false);
  });
});

describe('onlyVersionIs', () => {
  it('is true only when every labelled version is the given one', () => {
    expect(onlyVersionIs({ v1: ['AWSCURRENT'] }, 'v1')).toBe(true);
    expect(onlyVersionIs({ v1: ['AWSCURRENT'], v0: ['AWSPREVIOUS'] }, 'v1')).toBe(false);
    expect(onlyVersionIs({ v0: ['AWSCURRENT'], v1: ['AWSPENDING'] }, 'v1')).toBe(false);
    expect(onlyVersionIs({ v0: ['AWSCURRENT'] }, 'v1')).toBe(false);
    expect(onlyVersionIs({}, 'v1')).toBe(false);
  });
});

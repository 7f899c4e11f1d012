import { describe, expect, it } from '@jest/globals';
import {
  elastiCacheUserArn,
  iamAuthTokenRequest,
  iamConnectPolicyArn,
  iamConnectPolicyDocument,
  iamConnectPolicyName,
  iamPrincipalArnSchema,
  iamSupportProblem,
  parseIamPrincipal,
  type IamTargetCache,
} from '../../../functions/core/rbac/iam-auth.js';

const cache = (extra: Partial<IamTargetCache> = {}): IamTargetCache => ({
  cacheId: 'orders-rg',
  arn: 'arn:aws:elasticache:eu-west-1:123456789012:replicationgroup:orders-rg',
  engine: 'redis',
  engineVersion: '7.1',
  transitEncryptionEnabled: true,
  ...extra,
});

describe('IAM-authenticated ElastiCache users', () => {
  it('accept IAM roles and users (with paths) as principals, and nothing else', () => {
    for (const arn of [
      'arn:aws:iam::123456789012:role/orders-app',
      'arn:aws:iam::123456789012:user/alice',
      'arn:aws-us-gov:iam::123456789012:role/team/sub/orders-app',
    ]) {
      expect(iamPrincipalArnSchema.safeParse(arn).success).toBe(true);
    }
    for (const arn of [
      'arn:aws:iam::123456789012:group/admins',
      'arn:aws:iam::12345678901:role/short-account',
      'arn:aws:sts::123456789012:assumed-role/orders-app/session',
      'arn:aws:iam::123456789012:role/',
      ' arn:aws:iam::123456789012:role/orders-app',
    ]) {
      expect(iamPrincipalArnSchema.safeParse(arn).success).toBe(false);
    }
  });

  it('name the role or user without its path, with its kind and account', () => {
    expect(parseIamPrincipal('arn:aws:iam::123456789012:role/team/sub/orders-app')).toEqual({
      accountId: '123456789012',
      kind: 'role',
      name: 'orders-app',
    });
    expect(parseIamPrincipal('arn:aws:iam::210987654321:user/alice')).toEqual({
      accountId: '210987654321',
      kind: 'user',
      name: 'alice',
    });
    expect(() => parseIamPrincipal('arn:aws:iam::123456789012:group/admins')).toThrow(
      expect.objectContaining({ field: 'principalArn' }),
    );
  });

  it('need in-transit encryption and Redis OSS 7.0+ or Valkey (any version), and say why not', () => {
    expect(iamSupportProblem(cache())).toBeUndefined();
    expect(iamSupportProblem(cache({ engineVersion: '7.0' }))).toBeUndefined();
    expect(iamSupportProblem(cache({ engineVersion: '10.2' }))).toBeUndefined();
    expect(iamSupportProblem(cache({ engine: 'valkey', engineVersion: undefined }))).toBeUndefined();
    expect(iamSupportProblem(cache({ transitEncryptionEnabled: false }))).toBe(
      'cache orders-rg has no in-transit encryption (TLS)',
    );
    expect(iamSupportProblem(cache({ engine: 'valkey', transitEncryptionEnabled: false }))).toMatch(
      /in-transit/,
    );
    expect(iamSupportProblem(cache({ engine: 'memcached' }))).toBe(
      'cache orders-rg runs memcached, not Redis OSS or Valkey',
    );
    expect(iamSupportProblem(cache({ engineVersion: undefined }))).toBe(
      'cache orders-rg does not report its Redis OSS version; IAM authentication needs 7.0 or later',
    );
    expect(iamSupportProblem(cache({ engineVersion: '6.2' }))).toBe(
      'cache orders-rg runs Redis OSS 6.2; IAM authentication needs 7.0 or later',
    );
    expect(iamSupportProblem(cache({ engineVersion: 'unknown' }))).toMatch(/needs 7.0 or later/);
  });

  it('grant elasticache:Connect on exactly the caches (sorted) and the user, in one managed policy per user', () => {
    const userArn = elastiCacheUserArn(cache().arn, 'orders-iam');
    expect(userArn).toBe('arn:aws:elasticache:eu-west-1:123456789012:user:orders-iam');
    expect(
      JSON.parse(iamConnectPolicyDocument([cache().arn, cache().arn.replace('orders', 'b-cache')], userArn)),
    ).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Action: ['elasticache:Connect'],
          Resource: [
            'arn:aws:elasticache:eu-west-1:123456789012:replicationgroup:b-cache-rg',
            'arn:aws:elasticache:eu-west-1:123456789012:replicationgroup:orders-rg',
            userArn,
          ],
        },
      ],
    });
    expect(iamConnectPolicyName('orders-iam')).toBe('cachegate-elasticache-connect-orders-iam');
    expect(iamConnectPolicyArn('123456789012', 'orders-iam')).toBe(
      'arn:aws:iam::123456789012:policy/cachegate/cachegate-elasticache-connect-orders-iam',
    );
    expect(iamConnectPolicyArn('123456789012', 'orders-iam', 'aws-cn')).toMatch(/^arn:aws-cn:iam::/);
  });

  it('presign connect for the lower-cased cache name and the user, marking a serverless cache', () => {
    expect(iamAuthTokenRequest('Orders-RG', 'orders-iam')).toEqual({
      hostname: 'orders-rg',
      path: '/',
      query: { Action: 'connect', User: 'orders-iam' },
    });
    expect(iamAuthTokenRequest('orders-cache', 'orders-iam', true).query).toEqual({
      Action: 'connect',
      User: 'orders-iam',
      ResourceType: 'ServerlessCache',
    });
  });
});

import { describe, expect, it } from '@jest/globals';
import { approverIdentityFromCallerArn } from '../../../functions/core/approver-identity.js';

describe('approverIdentityFromCallerArn', () => {
  it('keeps IAM user and federated user ARNs as they are', () => {
    for (const arn of [
      'arn:aws:iam::111111111111:user/alice',
      'arn:aws:iam::111111111111:user/team/ops/alice',
      'arn:aws:sts::111111111111:federated-user/alice',
      'arn:aws-us-gov:iam::111111111111:user/alice',
    ])
      expect(approverIdentityFromCallerArn(arn)).toBe(arn);
  });

  it('names an assumed role by its session, the way API Gateway reports the caller', () => {
    const session = 'arn:aws:sts::111111111111:assumed-role/Approvers/alice@example.com';
    expect(approverIdentityFromCallerArn(session)).toBe(session);
    expect(
      approverIdentityFromCallerArn('arn:aws:iam::111111111111:assumed-role/ops/Approvers/alice@example.com'),
    ).toBe(session);
  });

  it('refuses the root user, roles without a session and other principals', () => {
    for (const arn of [
      'arn:aws:iam::111111111111:root',
      'arn:aws:iam::111111111111:role/Approvers',
      'arn:aws:sts::111111111111:assumed-role/Approvers',
      'U0ALICE',
      '',
    ])
      expect(() => approverIdentityFromCallerArn(arn)).toThrow(/caller identity/);
    const long = `arn:aws:sts::111111111111:assumed-role/${'R'.repeat(64)}/${'s'.repeat(64)}`;
    expect(() => approverIdentityFromCallerArn(long)).toThrow(/longer than 128/);
  });
});

import { describe, expect, it } from '@jest/globals';
import { identityFromIamArn, parsePersonalSessionRoles } from '../../../functions/core/approver-identity.js';

describe('identityFromIamArn (one identity = one person)', () => {
  it('keeps IAM user ARNs as they are', () => {
    for (const arn of [
      'arn:aws:iam::111111111111:user/alice',
      'arn:aws:iam::111111111111:user/team/ops/alice',
      'arn:aws-us-gov:iam::111111111111:user/alice',
    ])
      expect(identityFromIamArn(arn)).toBe(arn);
  });

  it('names an assumed role by the role, since the caller chooses the session name', () => {
    const role = 'arn:aws:iam::111111111111:role/Ops';
    expect(identityFromIamArn('arn:aws:sts::111111111111:assumed-role/Ops/mallory')).toBe(role);
    expect(identityFromIamArn('arn:aws:sts::111111111111:assumed-role/Ops/alice')).toBe(role);
    expect(identityFromIamArn('arn:aws:iam::111111111111:assumed-role/team/Ops/alice')).toBe(role);
  });

  it('names a personal-session role (session set by the identity provider) by its session', () => {
    const roles = parsePersonalSessionRoles(
      'arn:aws:iam::111111111111:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_Approver_0a1b2c',
    );
    expect(roles).toEqual(['111111111111:AWSReservedSSO_Approver_0a1b2c']);
    const session = 'arn:aws:sts::111111111111:assumed-role/AWSReservedSSO_Approver_0a1b2c/alice';
    expect(identityFromIamArn(session, roles)).toBe(session);
    // The same role name in another account is not the listed role.
    expect(
      identityFromIamArn(
        'arn:aws:sts::222222222222:assumed-role/AWSReservedSSO_Approver_0a1b2c/alice',
        roles,
      ),
    ).toBe('arn:aws:iam::222222222222:role/AWSReservedSSO_Approver_0a1b2c');
    expect(() => parsePersonalSessionRoles('Ops')).toThrow(/personalSessionRoles/);
  });

  it('refuses the root user, federated users (caller-chosen names) and other principals', () => {
    for (const arn of [
      'arn:aws:iam::111111111111:root',
      'arn:aws:sts::111111111111:federated-user/alice',
      'arn:aws:iam::111111111111:role/Approvers',
      'arn:aws:sts::111111111111:assumed-role/Approvers',
      'U0ALICE',
      '',
    ])
      expect(() => identityFromIamArn(arn)).toThrow(/caller identity/);
    const long = `arn:aws:sts::111111111111:assumed-role/${'R'.repeat(64)}/${'s'.repeat(64)}`;
    expect(() => identityFromIamArn(long, [`111111111111:${'R'.repeat(64)}`])).toThrow(/longer than 128/);
  });
});

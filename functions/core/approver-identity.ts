import { ValidationError } from './errors.js';

const USER = /^arn:aws[a-z-]*:iam::\d{12}:user\/[\w+=,.@/-]+$/;
const ASSUMED_ROLE =
  /^arn:(?<partition>aws[a-z-]*):(?:sts|iam)::(?<account>\d{12}):assumed-role\/(?:[\w+=,.@-]+\/)*(?<role>[\w+=,.@-]+)\/(?<session>[\w+=,.@-]+)$/;
const FEDERATED_USER = /^arn:aws[a-z-]*:sts::\d{12}:federated-user\/[\w+=,.@-]+$/;

/**
 * The approver identity of an AWS caller (the ARN from STS GetCallerIdentity), in the form API
 * Gateway's IAM auth records as `userArn`, so one person is the same identity on both paths and
 * self-approval is caught across them:
 * - an IAM user or federated user: its ARN, unchanged;
 * - an assumed role: the **role session**, `arn:aws:sts::<account>:assumed-role/<role>/<session>`
 *   (role path dropped, `sts` service), never the role itself: every holder of a role would
 *   otherwise be one approver. With IAM Identity Center the session name is the person's user name.
 * The root user and anything else is refused: approvals are given by named people.
 */
export function approverIdentityFromCallerArn(arn: string): string {
  const role = ASSUMED_ROLE.exec(arn)?.groups;
  const identity = role
    ? `arn:${role.partition}:sts::${role.account}:assumed-role/${role.role}/${role.session}`
    : USER.test(arn) || FEDERATED_USER.test(arn)
      ? arn
      : undefined;
  if (!identity)
    throw new ValidationError(
      'must be an IAM user, a federated user or an assumed-role session (not the root user)',
      'caller identity',
    );
  if (identity.length > 128) throw new ValidationError('is longer than 128 characters', 'caller identity');
  return identity;
}

import { ValidationError } from './errors.js';

const USER = /^arn:aws[a-z-]*:iam::\d{12}:user\/[\w+=,.@/-]+$/;
const ASSUMED_ROLE =
  /^arn:(?<partition>aws[a-z-]*):(?:sts|iam)::(?<account>\d{12}):assumed-role\/(?:[\w+=,.@-]+\/)*(?<role>[\w+=,.@-]+)\/(?<session>[\w+=,.@-]+)$/;
const ROLE =
  /^arn:(?<partition>aws[a-z-]*):iam::(?<account>\d{12}):role\/(?:[\w+=,.@-]+\/)*(?<role>[\w+=,.@-]+)$/;

/**
 * Roles whose session name names a person (config `approvals.personalSessionRoles`, a
 * comma-separated list of role ARNs): the role's trust policy lets nobody choose the session
 * name, e.g. IAM Identity Center (SAML sets it to the user name), or a trust policy that requires
 * `sts:SourceIdentity` and a session name equal to it. Returned as `<account>:<role name>`.
 */
export function parsePersonalSessionRoles(text: string | undefined): string[] {
  return (text ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean)
    .map((arn) => {
      const role = ROLE.exec(arn)?.groups;
      if (!role) throw new ValidationError('must be IAM role ARNs', 'personalSessionRoles');
      return `${role.account}:${role.role}`;
    });
}

/**
 * The identity of an IAM caller, from the principal ARN AWS verified (API Gateway's IAM
 * authorization: `requestContext.identity.userArn`). One identity must mean one person, so a
 * part the caller chooses never counts:
 * - an IAM user: its ARN;
 * - an assumed role: the **role**, `arn:<partition>:iam::<account>:role/<name>` (path dropped;
 *   role names are unique in an account). Whoever calls `sts:AssumeRole` chooses the session
 *   name, so `Ops/mallory` and `Ops/alice` are the same caller: every holder of the role is one
 *   identity, and a holder of it can neither approve another holder's request nor their own.
 *   Only for a role listed in `personalSessionRoles` is the session,
 *   `arn:<partition>:sts::<account>:assumed-role/<name>/<session>`, the identity;
 * - the root user, federated users (`GetFederationToken`'s name is chosen by the caller too) and
 *   anything else are refused: requests and approvals come from named people or roles.
 */
export function identityFromIamArn(arn: string, personalSessionRoles: readonly string[] = []): string {
  const session = ASSUMED_ROLE.exec(arn)?.groups;
  const identity = session
    ? personalSessionRoles.includes(`${session.account}:${session.role}`)
      ? `arn:${session.partition}:sts::${session.account}:assumed-role/${session.role}/${session.session}`
      : `arn:${session.partition}:iam::${session.account}:role/${session.role}`
    : USER.test(arn)
      ? arn
      : undefined;
  if (!identity)
    throw new ValidationError(
      'must be an IAM user or an assumed role (not the root user or a federated user)',
      'caller identity',
    );
  if (identity.length > 128) throw new ValidationError('is longer than 128 characters', 'caller identity');
  return identity;
}

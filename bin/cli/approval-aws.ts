import { callerArn } from '../../functions/aws/sts.js';
import { ACCESS_REQUESTS_TABLE } from '../../functions/aws/table-definitions.js';
import { parseApprovers, type Decision } from '../../functions/core/access-request.js';
import { approverIdentityFromCallerArn } from '../../functions/core/approver-identity.js';
import { ValidationError } from '../../functions/core/errors.js';
import { decideApproval } from '../../functions/decide-approval/decide.js';

export interface AwsDecisionOptions {
  approvalId: string;
  decision: Decision;
  region?: string;
  /** The stack's access-requests table (else `ACCESS_REQUESTS_TABLE`). */
  table?: string;
  /** APPROVERS entries (else the `APPROVERS` environment variable). */
  approvers?: string;
}

/**
 * `cachegate approve|reject <id> --aws`: the approver is whoever the AWS credentials belong to
 * (STS GetCallerIdentity, normalised like API Gateway's `userArn`), never a flag; then the same
 * `decideApproval` as Slack and `serve` (approver checks, one conditional write, SendTask*).
 */
export async function decideWithAws(options: AwsDecisionOptions) {
  if (!/^AP-[A-Z2-9]{10}$/.test(options.approvalId))
    throw new ValidationError('must look like AP-XXXXXXXXXX', 'approval-id');
  const allowedApprovers = parseApprovers(options.approvers ?? process.env.APPROVERS);
  if (allowedApprovers.length === 0)
    throw new ValidationError('must name at least one approver (or set APPROVERS)', '--approvers');
  const table = options.table ?? process.env[ACCESS_REQUESTS_TABLE.envVar];
  if (!table)
    throw new ValidationError(
      `is required with --aws: the stack's access-requests table (or set ${ACCESS_REQUESTS_TABLE.envVar})`,
      '--table',
    );
  // The adapters read their table, bus and region from the environment, as in the Lambdas.
  process.env[ACCESS_REQUESTS_TABLE.envVar] = table;
  process.env.AUDIT_EVENT_BUS ??= 'cachegate-audit';
  if (options.region) process.env.AWS_REGION = options.region;
  const approver = approverIdentityFromCallerArn(await callerArn());
  return decideApproval({
    approvalId: options.approvalId,
    approver,
    decision: options.decision,
    allowedApprovers,
  });
}

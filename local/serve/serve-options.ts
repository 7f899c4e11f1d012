import { parseApprovers } from '../../functions/core/access-request.js';
import { ValidationError } from '../../functions/core/errors.js';
import { checkApprovalTimeout } from '../../workflows/approval-timeout.js';

/** Parses `cachegate serve` options; errors name the option. */
export function parseServeOptions(options: {
  port: string;
  approvers: string;
  autoApprove?: string;
  speed: string;
  approvalTimeout?: string;
}) {
  const port = Number(options.port);
  if (!Number.isInteger(port) || port < 0 || port > 65_535)
    throw new ValidationError('must be 0-65535', '--port');
  const speed = Number(options.speed);
  if (!Number.isFinite(speed) || speed <= 0)
    throw new ValidationError('must be a positive number', '--speed');
  const approvers = parseApprovers(options.approvers);
  if (approvers.length === 0) throw new ValidationError('must name at least one approver', '--approvers');
  const approvalTimeoutSeconds =
    options.approvalTimeout === undefined
      ? undefined
      : checkApprovalTimeout(Number(options.approvalTimeout), '--approval-timeout');
  return {
    port,
    speed,
    approvers,
    ...(options.autoApprove ? { autoApprove: options.autoApprove } : {}),
    ...(approvalTimeoutSeconds === undefined ? {} : { approvalTimeoutSeconds }),
  };
}

import { InvalidToken, TaskTimedOut } from '@aws-sdk/client-sfn';
import { AlreadyDecidedError, assertMayDecide, type Decision } from '../core/access-request.js';
import { auditEvent } from '../core/audit-event.js';
import {
  expireApproval,
  getApproval,
  getRequest,
  recordDecision,
  updateRequest,
} from '../aws/access-requests-table.js';
import { publishAuditEvent } from '../aws/audit-events.js';
import { sendTaskFailure, sendTaskSuccess } from '../aws/step-functions.js';

export interface DecisionInput {
  approvalId: string;
  approver: string;
  decision: Decision;
  allowedApprovers: readonly string[];
}

/**
 * Applies an approver's decision: checks the approver (safety rule 5), records it once with a
 * conditional write, then answers the waiting workflow through its task token. Shared by the
 * Slack interaction endpoint and `cachegate approve|reject`.
 */
export async function decideApproval({ approvalId, approver, decision, allowedApprovers }: DecisionInput) {
  const approval = await getApproval(approvalId);
  const request = await getRequest(approval.requestId);
  assertMayDecide(request, approver, allowedApprovers);
  const now = new Date();
  const decided = await recordDecision(approvalId, decision, approver, now);
  try {
    if (decision === 'APPROVED') {
      await sendTaskSuccess(decided.taskToken, { decision, approver });
    } else {
      await sendTaskFailure(decided.taskToken, 'AccessRequest.Rejected', `rejected by ${approver}`);
    }
  } catch (error) {
    // The workflow stopped waiting (approval timeout) between our read and the answer: the
    // decision came too late and is void; the request was already closed as rejected.
    if (!(error instanceof TaskTimedOut || error instanceof InvalidToken)) throw error;
    await expireApproval(approvalId, now, decision);
    throw new AlreadyDecidedError(approvalId);
  }
  await updateRequest(approval.requestId, { decidedBy: approver }, now);
  await publishAuditEvent(
    auditEvent('ApprovalDecided', approver, now, { approvalId, decision }, approval.requestId),
  );
  return { approvalId, requestId: approval.requestId, decision, approver };
}

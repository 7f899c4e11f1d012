import { AlreadyDecidedError, assertMayDecide, type Decision } from '../core/access-request.js';
import { auditEvent } from '../core/audit-event.js';
import {
  getApproval,
  getRequest,
  markApprovalAnswered,
  recordDecision,
  updateRequest,
  type StoredApproval,
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
 * Applies an approver's decision (safety rules 5 and 7): checks the approver, records it once with a conditional write,
 * then answers the waiting workflow through its task token. The one place a task is answered:
 * the Slack endpoint and the IAM-authorized approval routes both call it, with the identity AWS
 * or Slack verified and the approvers from the deployed configuration.
 *
 * A decision is never lost: it is recorded before the answer is sent, and `answeredAt` is set
 * only after everything else. When sending fails, the approver's retry (same decision) sends the recorded
 * decision again instead of refusing it as already decided, and if nobody retries, the
 * workflow's own check at the end of the window (check-approval) reads it from the record.
 */
export async function decideApproval({ approvalId, approver, decision, allowedApprovers }: DecisionInput) {
  const approval = await getApproval(approvalId);
  const request = await getRequest(approval.requestId);
  assertMayDecide(request, approver, allowedApprovers);
  const now = new Date();
  const decided =
    approval.status === 'PENDING'
      ? await recordDecision(approvalId, decision, approver, now)
      : unansweredDecision(approval, decision);
  const decidedBy = decided.decidedBy as string;
  await answerWorkflow(decided);
  await updateRequest(approval.requestId, { decidedBy }, now);
  await publishAuditEvent(
    auditEvent('ApprovalDecided', decidedBy, now, { approvalId, decision }, approval.requestId),
  );
  // Last, so a failure anywhere above leaves the retry path open (it repeats only what is idempotent).
  await markApprovalAnswered(approvalId, now);
  return { approvalId, requestId: approval.requestId, decision, approver: decidedBy };
}

/** A recorded decision that never reached the workflow, asked for again: it is sent again. */
function unansweredDecision(approval: StoredApproval, decision: Decision): StoredApproval {
  if (approval.status !== decision || approval.answeredAt !== undefined)
    throw new AlreadyDecidedError(approval.approvalId);
  return approval;
}

/**
 * Sends the recorded decision to the waiting task. When no task waits any more (`task-gone`: an
 * earlier send got through and its reply was lost, the window ended and the workflow's own check
 * reads the record, or the execution ended), there is nothing left to send.
 */
async function answerWorkflow(approval: StoredApproval): Promise<void> {
  if (approval.status === 'APPROVED') {
    await sendTaskSuccess(approval.taskToken, { decision: approval.status, approver: approval.decidedBy });
  } else {
    await sendTaskFailure(approval.taskToken, 'AccessRequest.Rejected', `rejected by ${approval.decidedBy}`);
  }
}

import { accessRequestView, assertMayAccess, planRevocation } from '../core/api/access-requests.js';
import { executionArnFor, stateMachineArnFrom } from '../core/api/workflow-arns.js';
import { auditEvent } from '../core/audit-event.js';
import { getRequest, markRevoking } from '../aws/access-requests-table.js';
import { publishAuditEvent } from '../aws/audit-events.js';
import { startExecution } from '../aws/step-functions.js';
import { logger } from '../commons/powertools.js';

/**
 * Revokes a fulfilled access request, by its requester or an approver (`caller`, as the server
 * identified it): starts offboard-user (a cache user) or revoke-certificate (a VPN certificate),
 * with an execution named after the request, so repeating the call starts nothing new. After a
 * failed revocation (REVOKE_FAILED) the same call starts the next attempt,
 * `revoke-<requestId>-<n>`. Returns the request as its caller may see it, now REVOKING.
 */
export async function revokeAccessRequest({
  requestId,
  caller,
  reason,
  approvers,
  env,
}: {
  requestId: string;
  caller: string;
  reason: string | undefined;
  approvers: readonly string[];
  /** Where the workflows' state machine ARNs are (the Lambda's environment). */
  env: Record<string, string | undefined>;
}) {
  const request = await getRequest(requestId);
  assertMayAccess(request, caller, approvers);
  const revocation = planRevocation(request, caller, reason);
  const stateMachineArn = stateMachineArnFrom(env, revocation.workflow);
  // A concurrent revoke (another caller, so another input) may have started it first: the
  // name taken is then that execution.
  const executionArn = revocation.start
    ? (await startExecution(stateMachineArn, revocation.executionName, revocation.input)).executionArn
    : executionArnFor(stateMachineArn, revocation.executionName);
  const now = new Date();
  const changed = await markRevoking(requestId, caller, executionArn, revocation.attempt, now);
  if (changed) {
    await publishAuditEvent(
      auditEvent(
        'AccessRevocationRequested',
        caller,
        now,
        {
          kind: request.kind.type,
          workflow: revocation.workflow,
          ...(revocation.attempt > 1 ? { attempt: revocation.attempt } : {}),
          ...(reason ? { reason } : {}),
        },
        requestId,
      ),
    );
  }
  logger.info('revocation started', {
    requestId,
    workflow: revocation.workflow,
    attempt: revocation.attempt,
    repeated: !changed,
  });
  return accessRequestView({
    ...request,
    status: 'REVOKING',
    revokedBy: changed ? caller : request.revokedBy,
    revocationAttempt: revocation.attempt,
  });
}

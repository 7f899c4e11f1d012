import {
  accessRequestView,
  assertMayAccess,
  parseRequestIdPath,
  planRevocation,
  revokeBodySchema,
} from '../core/api/access-requests.js';
import {
  apiGatewayEventSchema,
  callerIdentity,
  jsonResponse,
  parseJsonBody,
  respond,
} from '../core/api/http.js';
import { executionArnFor, stateMachineArnFrom } from '../core/api/workflow-arns.js';
import { auditEvent } from '../core/audit-event.js';
import { getRequest, markRevoking } from '../aws/access-requests-table.js';
import { publishAuditEvent } from '../aws/audit-events.js';
import { startExecution } from '../aws/step-functions.js';
import { approvalSettings } from '../commons/approval-settings.js';
import { lambdaHandler } from '../commons/lambda-handler.js';
import { logger } from '../commons/powertools.js';

/**
 * POST /access-requests/{id}/revoke, by the requester or an approver: starts offboard-user (a
 * cache user) or revoke-certificate (a VPN certificate), with an execution named after the
 * request, so repeating the call starts nothing new. After a failed revocation (REVOKE_FAILED)
 * the same call starts the next attempt, `revoke-<requestId>-<n>`.
 */
export const handler = lambdaHandler(apiGatewayEventSchema, (event) =>
  respond(
    async () => {
      const { approvers, personalSessionRoles } = approvalSettings();
      const caller = callerIdentity(event, personalSessionRoles);
      const requestId = parseRequestIdPath(event);
      const { reason } = parseJsonBody(event, revokeBodySchema, { optional: true });
      const request = await getRequest(requestId);
      assertMayAccess(request, caller, approvers);
      const revocation = planRevocation(request, caller, reason);
      const stateMachineArn = stateMachineArnFrom(process.env, revocation.workflow);
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
      return jsonResponse(
        202,
        accessRequestView({
          ...request,
          status: 'REVOKING',
          revokedBy: changed ? caller : request.revokedBy,
          revocationAttempt: revocation.attempt,
        }),
      );
    },
    (error) => logger.error('revoking an access request failed', { error }),
  ),
);

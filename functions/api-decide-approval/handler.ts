import { parseApprovalDecision } from '../core/api/approval-decisions.js';
import { apiGatewayEventSchema, callerIdentity, jsonResponse, respond } from '../core/api/http.js';
import { approvalSettings } from '../commons/approval-settings.js';
import { lambdaHandler } from '../commons/lambda-handler.js';
import { logger } from '../commons/powertools.js';
import { decideApproval } from '../use-cases/decide-approval.js';

/**
 * POST /approvals/{approvalId}/approve and /reject (IAM authorization at API Gateway). The
 * approver is the IAM identity API Gateway verified, the allowed approvers come from the
 * deployed configuration; then the same `decideApproval` as Slack. `cachegate approve|reject
 * --aws` calls these routes with SigV4, so an approver needs no DynamoDB or Step Functions
 * permission, only `execute-api:Invoke` on these two routes.
 */
export const handler = lambdaHandler(apiGatewayEventSchema, (event) =>
  respond(
    async () => {
      const { approvers, personalSessionRoles } = approvalSettings();
      const approver = callerIdentity(event, personalSessionRoles);
      const { approvalId, decision } = parseApprovalDecision(event);
      const result = await decideApproval({ approvalId, approver, decision, allowedApprovers: approvers });
      logger.info('approval decided through the API', { approvalId, decision });
      return jsonResponse(200, result);
    },
    (error) => logger.error('approval decision failed', { error }),
  ),
);

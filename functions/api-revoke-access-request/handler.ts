import { parseRequestIdPath, revokeBodySchema } from '../core/api/access-requests.js';
import {
  apiGatewayEventSchema,
  callerIdentity,
  jsonResponse,
  parseJsonBody,
  respond,
} from '../core/api/http.js';
import { approvalSettings } from '../commons/approval-settings.js';
import { lambdaHandler } from '../commons/lambda-handler.js';
import { logger } from '../commons/powertools.js';
import { revokeAccessRequest } from '../use-cases/revoke-access-request.js';

/**
 * POST /access-requests/{id}/revoke, by the requester or an approver: the caller is who API
 * Gateway verified (never the body), the revocation is functions/use-cases/revoke-access-request.ts.
 */
export const handler = lambdaHandler(apiGatewayEventSchema, (event) =>
  respond(
    async () => {
      const { approvers, personalSessionRoles } = approvalSettings();
      const caller = callerIdentity(event, personalSessionRoles);
      const requestId = parseRequestIdPath(event);
      const { reason } = parseJsonBody(event, revokeBodySchema, { optional: true });
      return jsonResponse(
        202,
        await revokeAccessRequest({
          requestId,
          caller,
          approvers,
          env: process.env,
          reason,
        }),
      );
    },
    (error) => logger.error('revoking an access request failed', { error }),
  ),
);

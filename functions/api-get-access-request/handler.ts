import { accessRequestView, assertMayAccess, parseRequestIdPath } from '../core/api/access-requests.js';
import { apiGatewayEventSchema, callerIdentity, jsonResponse, respond } from '../core/api/http.js';
import { NotFoundError } from '../core/errors.js';
import { findIdempotencyClaim, findRequest } from '../aws/access-requests-table.js';
import { approvalSettings } from '../commons/approval-settings.js';
import { lambdaHandler } from '../commons/lambda-handler.js';
import { logger } from '../commons/powertools.js';
import { withRevocationOutcome } from './revocation-status.js';

/**
 * GET /access-requests/{id}: status and what was asked, for its requester and the approvers
 * (anyone else gets 404). A request accepted by the API but not yet recorded by its workflow
 * shows as SUBMITTED; a revoked one shows REVOKED / REVOKE_FAILED once its revoking workflow ended.
 */
export const handler = lambdaHandler(apiGatewayEventSchema, (event) =>
  respond(
    async () => {
      const { approvers, personalSessionRoles } = approvalSettings();
      const caller = callerIdentity(event, personalSessionRoles);
      const requestId = parseRequestIdPath(event);
      const found = await findRequest(requestId);
      if (found) assertMayAccess(found, caller, approvers);
      const stored = found && (await withRevocationOutcome(found, new Date()));
      const claim = stored ? undefined : await findIdempotencyClaim(requestId);
      const request =
        stored ??
        (claim && {
          ...claim.request,
          status: 'SUBMITTED',
          createdAt: claim.createdAt,
          updatedAt: claim.createdAt,
        });
      if (!request) throw new NotFoundError(`access request ${requestId} does not exist`);
      assertMayAccess(request, caller, approvers);
      return jsonResponse(200, accessRequestView(request));
    },
    (error) => logger.error('reading an access request failed', { error }),
  ),
);

import { parseCreateAccessRequest, accessRequestView } from '../core/api/access-requests.js';
import { apiGatewayEventSchema, jsonResponse, respond } from '../core/api/http.js';
import { stateMachineArnFrom } from '../core/api/workflow-arns.js';
import { claimIdempotencyKey, findRequest } from '../aws/access-requests-table.js';
import { startExecution } from '../aws/step-functions.js';
import { approvalSettings } from '../commons/approval-settings.js';
import { lambdaHandler } from '../commons/lambda-handler.js';
import { logger } from '../commons/powertools.js';

/**
 * POST /access-requests. The request ID is derived from (caller, Idempotency-Key) and names the
 * access-request execution, so a repeated call returns the same request and never starts a
 * second workflow; the key is claimed with a conditional write first, so the same key with a
 * different body is refused (409) before anything starts.
 */
export const handler = lambdaHandler(apiGatewayEventSchema, (event) =>
  respond(
    async () => {
      const { request, fingerprint } = parseCreateAccessRequest(
        event,
        approvalSettings().personalSessionRoles,
      );
      const { claim, created } = await claimIdempotencyKey(
        { requestId: request.requestId, fingerprint, request },
        new Date(),
      );
      const start = await startExecution(
        stateMachineArnFrom(process.env, 'access-request'),
        request.requestId,
        {
          request,
        },
      );
      // A repeat of a request whose execution has ended finds the name taken: that is the execution
      // it refers to. A new request finding it taken is a fault (the claim above is the gate).
      if (start.outcome === 'name-taken' && created)
        throw new Error(`an execution named ${request.requestId} already exists`);
      const stored = await findRequest(request.requestId);
      logger.info('access request submitted', { requestId: request.requestId, repeated: !created });
      return jsonResponse(
        created ? 202 : 200,
        accessRequestView(
          stored ?? {
            ...claim.request,
            status: 'SUBMITTED',
            createdAt: claim.createdAt,
            updatedAt: claim.createdAt,
          },
        ),
      );
    },
    (error) => logger.error('access request submission failed', { error }),
  ),
);

import * as z from 'zod/mini';
import { accessRequestSchema } from '../core/access-request.js';
import { auditEvent } from '../core/audit-event.js';
import { publishAuditEvent } from '../aws/audit-events.js';
import { recordRequest } from '../aws/access-requests-table.js';
import { lambdaHandler } from '../commons/lambda-handler.js';
import { logger } from '../commons/powertools.js';

const inputSchema = z.object({ request: accessRequestSchema });

/** First step of the access-request workflow: store the request (once) and audit it. */
export const handler = lambdaHandler(inputSchema, async ({ request }) => {
  const { request: stored, created } = await recordRequest(request, new Date());
  if (created) {
    await publishAuditEvent(
      auditEvent(
        'AccessRequested',
        request.requester,
        new Date(),
        { kind: request.kind.type },
        request.requestId,
      ),
    );
  }
  logger.info('access request recorded', { requestId: request.requestId, created });
  return { requestId: stored.requestId, status: stored.status };
});

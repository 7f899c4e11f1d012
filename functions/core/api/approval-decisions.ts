import * as z from 'zod/mini';
import { APPROVAL_ID_PATTERN, type Decision } from '../access-request.js';
import { ValidationError } from '../errors.js';
import { parseJsonBody, type ApiGatewayEvent } from './http.js';

/** The two IAM-authorized decision routes; the decision is the route, never a body field. */
export const APPROVAL_DECISION_ROUTES: Record<string, Decision> = {
  '/approvals/{approvalId}/approve': 'APPROVED',
  '/approvals/{approvalId}/reject': 'REJECTED',
};

/**
 * POST /approvals/{approvalId}/approve|reject: the approval ID from the path and the decision
 * from the route. The body must be empty (or `{}`): an `approver`, `decision` or any other key
 * is refused, so no client can believe it chose who decides.
 */
export function parseApprovalDecision(event: ApiGatewayEvent): { approvalId: string; decision: Decision } {
  const decision = APPROVAL_DECISION_ROUTES[event.resource ?? ''];
  if (!decision) throw new ValidationError('is not a decision route', 'path');
  const approvalId = event.pathParameters?.approvalId;
  if (typeof approvalId !== 'string' || !APPROVAL_ID_PATTERN.test(approvalId))
    throw new ValidationError('must look like AP-XXXXXXXXXX', 'approvalId');
  parseJsonBody(event, z.strictObject({}), { optional: true });
  return { approvalId, decision };
}

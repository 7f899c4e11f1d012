import { parseApprovers } from '../core/access-request.js';
import { parsePersonalSessionRoles } from '../core/approver-identity.js';

/**
 * Who may approve, from the deployed configuration only (environment the stack sets from
 * `approvals.approvers` and `approvals.personalSessionRoles`): never from a caller.
 */
export function approvalSettings(env: NodeJS.ProcessEnv = process.env) {
  return {
    approvers: parseApprovers(env.APPROVERS),
    personalSessionRoles: parsePersonalSessionRoles(env.PERSONAL_SESSION_ROLES),
  };
}

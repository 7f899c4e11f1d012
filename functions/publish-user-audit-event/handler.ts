import * as z from 'zod';
import { publishAuditEvent } from '../aws/audit-events.js';
import { lambdaHandler } from '../commons/lambda-handler.js';
import { auditEvent } from '../core/audit-event.js';

const inputSchema = z.object({
  action: z.enum([
    'UserCreated',
    'UserDeleted',
    'DefaultUserHardened',
    'MigratedToRbac',
    'DefaultUserStillInUse',
    'DefaultUserLocked',
  ]),
  plan: z.object({
    service: z.string().min(1).optional(),
    /** Absent only for a MemoryDB migrate-to-rbac (no default user to name). */
    userId: z.string().min(1).optional(),
    requestedBy: z.string().min(1),
    userGroupIds: z.array(z.string()),
    requestId: z.string().min(1).optional(),
    replicationGroupId: z.string().min(1).optional(),
    replacedUserIds: z.array(z.string()).optional(),
    /** finish-migration: forced with this reason, and how many `default` connections were seen. */
    forced: z.boolean().optional(),
    forceReason: z.string().optional(),
  }),
  connections: z.number().int().min(0).optional(),
});

/** Last step of the RBAC workflows: the audit event, with identifiers only. */
export const handler = lambdaHandler(inputSchema, async ({ action, plan, connections }) => {
  const subject = {
    ...(plan.userId ? { userId: plan.userId } : {}),
    userGroupIds: plan.userGroupIds.join(','),
    ...(plan.service ? { service: plan.service } : {}),
    ...(plan.replicationGroupId ? { replicationGroupId: plan.replicationGroupId } : {}),
    ...(plan.replacedUserIds ? { replacedUserIds: plan.replacedUserIds.join(',') } : {}),
    ...(plan.forced !== undefined ? { forced: plan.forced } : {}),
    ...(plan.forceReason !== undefined ? { forceReason: plan.forceReason } : {}),
    ...(connections !== undefined ? { defaultConnections: connections } : {}),
  };
  await publishAuditEvent(auditEvent(action, plan.requestedBy, new Date(), subject, plan.requestId));
  return { action, ...(plan.userId ? { userId: plan.userId } : {}) };
});

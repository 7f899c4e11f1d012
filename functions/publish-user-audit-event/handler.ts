import * as z from 'zod/mini';
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
    service: z.optional(z.string().check(z.minLength(1))),
    /** Absent only for a MemoryDB migrate-to-rbac (no default user to name). */
    userId: z.optional(z.string().check(z.minLength(1))),
    requestedBy: z.string().check(z.minLength(1)),
    userGroupIds: z.array(z.string()),
    requestId: z.optional(z.string().check(z.minLength(1))),
    replicationGroupId: z.optional(z.string().check(z.minLength(1))),
    replacedUserIds: z.optional(z.array(z.string())),
    /** finish-migration: forced with this reason, and how many `default` connections were seen. */
    forced: z.optional(z.boolean()),
    forceReason: z.optional(z.string()),
  }),
  connections: z.optional(z.int().check(z.gte(0))),
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

import * as z from 'zod/mini';
import { publishAuditEvent } from '../aws/audit-events.js';
import { publishRotationMetrics } from '../aws/rotation-metrics.js';
import { lambdaHandler } from '../commons/lambda-handler.js';
import { auditEvent } from '../core/audit-event.js';
import { cacheServiceSchema } from '../core/rbac/cache-service.js';
import { summarizeRotation } from '../core/rotation/selection.js';
import { failureReason } from '../core/workflow-failure.js';

const resultSchema = z.object({
  userId: z.string().check(z.minLength(1)),
  status: z.enum(['rotated', 'failed', 'skipped']),
  reason: z.optional(z.string()),
  error: z.optional(z.string()),
  cause: z.optional(z.string()),
});

const inputSchema = z.object({
  results: z.array(resultSchema),
  skipped: z.array(resultSchema),
  actor: z.string().check(z.minLength(1)),
  requestId: z.string(),
  service: cacheServiceSchema,
});

/** Last step of rotate-all: the per-user report, the summary audit event and the CloudWatch metrics. */
export const handler = lambdaHandler(inputSchema, async ({ results, skipped, actor, requestId, service }) => {
  const summary = summarizeRotation(
    [...results, ...skipped].map(({ userId, status, reason, error, cause }) => {
      const why =
        reason ?? (error !== undefined || cause !== undefined ? failureReason(error, cause) : undefined);
      return { userId, status, ...(why ? { reason: why } : {}) };
    }),
  );
  await publishRotationMetrics(summary);
  const { total, rotated, failed } = summary;
  await publishAuditEvent(
    auditEvent(
      'PasswordRotationCompleted',
      actor,
      new Date(),
      { service, total, rotated, failed, skipped: summary.skipped },
      requestId || undefined,
    ),
  );
  return summary;
});

import * as z from 'zod';
import { publishAuditEvent } from '../aws/audit-events.js';
import { putPostureFindings } from '../aws/cloudwatch-metrics.js';
import { serviceNow } from '../aws/service-clock.js';
import { lambdaHandler } from '../commons/lambda-handler.js';
import { auditEvent } from '../core/audit-event.js';
import { POSTURE_HALVES, SEVERITIES } from '../core/posture/findings.js';
import { addSeverityCounts } from '../core/posture/report.js';

const halfSchema = z.object({
  half: z.enum(POSTURE_HALVES),
  counts: z.record(z.enum(SEVERITIES), z.number().int().min(0)),
});

const inputSchema = z.object({
  requestedBy: z.string().min(1).max(128),
  requestId: z.string().min(1).max(80),
  // Both halves, once each: a total missing one would tell the alarm "all clear" for that half.
  halves: z
    .array(halfSchema)
    .refine(
      (halves) =>
        halves.length === POSTURE_HALVES.length &&
        POSTURE_HALVES.every((name) => halves.some((h) => h.half === name)),
      `must hold the counts of each half (${POSTURE_HALVES.join(', ')}) once`,
    ),
});

/**
 * The end of the scheduled posture audit (statemachines/audit-posture.asl.json): the halves'
 * counts summed, PostureFindings per severity, zeros included (the alarm watches critical +
 * high), and the audit event PostureAudited with the totals.
 */
export const handler = lambdaHandler(inputSchema, async ({ requestedBy, requestId, halves }) => {
  const region = process.env.AWS_REGION ?? 'unknown';
  const counts = addSeverityCounts(halves.map((h) => h.counts));
  const total = SEVERITIES.reduce((sum, severity) => sum + counts[severity], 0);
  const now = serviceNow();
  await putPostureFindings(counts, now);
  await publishAuditEvent(
    auditEvent('PostureAudited', requestedBy, now, { region, total, ...counts }, requestId),
  );
  return { summary: { ...counts, total } };
});

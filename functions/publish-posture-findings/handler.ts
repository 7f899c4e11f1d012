import * as z from 'zod/mini';
import { publishAuditEvent } from '../aws/audit-events.js';
import { putPostureFindings } from '../aws/cloudwatch-metrics.js';
import { serviceNow } from '../aws/service-clock.js';
import { lambdaHandler } from '../commons/lambda-handler.js';
import { auditEvent } from '../core/audit-event.js';
import { SEVERITIES, type PosturePart } from '../core/posture/findings.js';
import { addSeverityCounts } from '../core/posture/report.js';

const counts = z.record(z.enum(SEVERITIES), z.int().check(z.gte(0)));
const part = (name: PosturePart) => z.object({ part: z.literal(name), counts });

// Every part, each once by name: a total missing one would tell the alarm "all clear" for it.
const inputSchema = z.object({
  requestedBy: z.string().check(z.minLength(1), z.maxLength(128)),
  requestId: z.string().check(z.minLength(1), z.maxLength(80)),
  cache: part('cache'),
  vpn: part('vpn'),
  ca: part('ca'),
});

/**
 * The end of the scheduled posture audit (statemachines/audit-posture.asl.json): the parts'
 * counts summed, PostureFindings per severity, zeros included (the alarm watches critical +
 * high), and the audit event PostureAudited with the totals.
 */
export const handler = lambdaHandler(inputSchema, async ({ requestedBy, requestId, cache, vpn, ca }) => {
  const region = process.env.AWS_REGION ?? 'unknown';
  const total = addSeverityCounts([cache.counts, vpn.counts, ca.counts]);
  const sum = SEVERITIES.reduce((n, severity) => n + total[severity], 0);
  const now = serviceNow();
  await putPostureFindings(total, now);
  await publishAuditEvent(
    auditEvent('PostureAudited', requestedBy, now, { region, total: sum, ...total }, requestId),
  );
  return { summary: { ...total, total: sum } };
});

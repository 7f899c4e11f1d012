import * as z from 'zod';
import { publishAuditEvent } from '../aws/audit-events.js';
import { putPostureFindings } from '../aws/cloudwatch-metrics.js';
import { gatherPostureSnapshot } from '../aws/posture-snapshot.js';
import { serviceNow } from '../aws/service-clock.js';
import { CRL_STORE_TABLE } from '../aws/table-definitions.js';
import { lambdaHandler } from '../commons/lambda-handler.js';
import { logger } from '../commons/powertools.js';
import { auditEvent } from '../core/audit-event.js';
import { auditPosture, DEFAULT_POSTURE_POLICY, SEVERITIES } from '../core/posture/findings.js';
import { buildReport } from '../core/posture/report.js';

const inputSchema = z.object({ requestedBy: z.string().min(1).max(128) });

/**
 * The scheduled posture audit (infra/constructs/posture-schedule.ts): the same snapshot adapter
 * and rules as `cachegate audit --aws`, in this function's region. Publishes PostureFindings per
 * severity, zeros included (the alarm watches critical + high), and the audit event
 * PostureAudited with the counts. The findings themselves go to the function's log: they name
 * resources and ages, never a secret.
 */
export const handler = lambdaHandler(inputSchema, async ({ requestedBy }, context) => {
  const region = process.env.AWS_REGION ?? 'unknown';
  const snapshot = await gatherPostureSnapshot({
    region,
    cacheSubnetCidrs: (process.env.CACHE_SUBNET_CIDRS ?? '').split(',').filter(Boolean),
    withCa: process.env.CA_CERT_SECRET_ARN !== undefined,
    withCrlStore: process.env[CRL_STORE_TABLE.envVar] !== undefined,
  });
  const now = serviceNow();
  const report = buildReport(
    [{ region, findings: auditPosture(snapshot, DEFAULT_POSTURE_POLICY, now) }],
    DEFAULT_POSTURE_POLICY,
    now,
  );
  const counts = Object.fromEntries(SEVERITIES.map((severity) => [severity, report.summary[severity]]));
  await putPostureFindings(counts, now);
  for (const finding of report.findings) logger.info('posture finding', { finding });
  await publishAuditEvent(
    auditEvent(
      'PostureAudited',
      requestedBy,
      now,
      { region, total: report.summary.total, ...counts },
      context.awsRequestId,
    ),
  );
  return { summary: report.summary };
});

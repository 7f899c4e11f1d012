import * as z from 'zod/mini';
import { gatherCachePosture } from '../aws/cache-posture.js';
import { serviceNow } from '../aws/service-clock.js';
import { lambdaHandler } from '../commons/lambda-handler.js';
import { reportPosturePart } from '../commons/posture-part.js';
import { auditCachePosture } from '../core/posture/cache-findings.js';
import { DEFAULT_POSTURE_POLICY } from '../core/posture/findings.js';

/**
 * The cache half of the scheduled posture audit (statemachines/audit-posture.asl.json): caches,
 * users, user groups and user secrets of this function's region, read-only, judged by the same
 * rules as `cachegate audit`. Logs each finding, returns the counts per severity.
 */
export const handler = lambdaHandler(z.object({}), async () => {
  const region = process.env.AWS_REGION ?? 'unknown';
  const snapshot = await gatherCachePosture(region);
  return reportPosturePart(
    'cache',
    region,
    auditCachePosture(snapshot, DEFAULT_POSTURE_POLICY, serviceNow()),
  );
});

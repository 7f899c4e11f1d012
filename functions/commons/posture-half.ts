import type { Finding, PostureHalf } from '../core/posture/findings.js';
import { countBySeverity, type SeverityCounts } from '../core/posture/report.js';
import { logger } from './powertools.js';

export interface PostureHalfResult {
  half: PostureHalf;
  counts: SeverityCounts;
}

/**
 * What each half of the scheduled posture audit hands back: every finding goes to the function's
 * log (findings name resources and ages, never a secret), only the counts per severity go to the
 * workflow, whose payloads are capped at 256 KiB (docs/posture.md).
 */
export function reportPostureHalf(half: PostureHalf, region: string, findings: Finding[]): PostureHalfResult {
  for (const finding of findings) logger.info('posture finding', { half, finding: { ...finding, region } });
  return { half, counts: countBySeverity(findings) };
}

import type { Finding, PosturePart } from '../core/posture/findings.js';
import { countBySeverity, type SeverityCounts } from '../core/posture/report.js';
import { logger } from './powertools.js';

export interface PosturePartResult {
  part: PosturePart;
  counts: SeverityCounts;
}

/**
 * What each part of the scheduled posture audit hands back: every finding goes to the function's
 * log (findings name resources and ages, never a secret), only the counts per severity go to the
 * workflow, whose payloads are capped at 256 KiB (docs/posture.md).
 */
export function reportPosturePart(part: PosturePart, region: string, findings: Finding[]): PosturePartResult {
  for (const finding of findings) logger.info('posture finding', { part, finding: { ...finding, region } });
  return { part, counts: countBySeverity(findings) };
}

import { auditCachePosture } from './cache-findings.js';
import { sortFindings, type Finding, type PosturePolicy } from './findings.js';
import type { PostureSnapshot } from './snapshot.js';
import { auditVpnPosture } from './vpn-findings.js';

/**
 * Every finding for one snapshot, most severe first (then by resource): pure, so the same
 * snapshot and clock always give the same report. The two halves' rules read disjoint parts of
 * the snapshot, so this is exactly the findings of both halves, merged.
 */
export function auditPosture(snapshot: PostureSnapshot, policy: PosturePolicy, now: Date): Finding[] {
  return sortFindings([
    ...auditCachePosture(snapshot, policy, now),
    ...auditVpnPosture(snapshot, policy, now),
  ]);
}

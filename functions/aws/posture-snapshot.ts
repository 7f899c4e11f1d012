import type { PostureSnapshot } from '../core/posture/snapshot.js';
import { gatherCachePosture } from './cache-posture.js';
import { gatherVpnPosture, type VpnPostureOptions } from './vpn-posture.js';

/**
 * Reads everything the posture rules judge, through the same adapters the workflows use, in the
 * region the clients are configured for: both halves (cache-posture.ts, vpn-posture.ts), as
 * `cachegate audit` reads them. Read-only: Describe/List/Get calls, no secret value.
 */
export async function gatherPostureSnapshot(options: VpnPostureOptions): Promise<PostureSnapshot> {
  const cache = await gatherCachePosture(options.region);
  const vpn = await gatherVpnPosture(options);
  return { ...cache, ...vpn };
}

import { join } from 'node:path';
import { repoRoot } from '../workflows/repo-root.js';

/**
 * Where local runs keep their files (audit trail, profiles): `.cachegate/` in the repository, or
 * `CACHEGATE_STATE_DIR` (tests give each run a folder of its own).
 */
export function localStateDir(): string {
  return process.env.CACHEGATE_STATE_DIR ?? join(repoRoot(), '.cachegate');
}

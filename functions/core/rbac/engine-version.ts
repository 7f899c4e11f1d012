/**
 * RBAC (users and user groups) needs Redis OSS 6.0 or later, or Valkey 7.2 or later (ElastiCache
 * User Guide, Role-Based Access Control; the SDK's `User.MinimumEngineVersion`). Versions
 * compare by their numeric parts: `6.2.6` ≥ `6.0`, `5.0.6` < `6.0`.
 */
export const RBAC_MINIMUM_VERSION = { redis: '6.0', valkey: '7.2' } as const;

export function supportsRbac(engine: 'redis' | 'valkey', version: string): boolean {
  const have = numericParts(version);
  const need = numericParts(RBAC_MINIMUM_VERSION[engine]);
  for (let i = 0; i < need.length; i += 1) {
    const a = have[i] ?? 0;
    const b = need[i] ?? 0;
    if (a !== b) return a > b;
  }
  return true;
}

function numericParts(version: string): number[] {
  return version.split('.').map((part) => Number.parseInt(part, 10) || 0);
}

import { createHash } from 'node:crypto';

/**
 * A deterministic idempotency token (UUID layout, version 5 style) from the parts that identify
 * one request, e.g. the execution name and the user ID: a retried step sends the same token, so
 * Secrets Manager treats it as the same version instead of a second one.
 */
export function clientRequestToken(...parts: string[]): string {
  const hex = createHash('sha256')
    .update(parts.map((p) => `${p.length}:${p}`).join('|'))
    .digest('hex');
  const variant = ((parseInt(hex.charAt(16), 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

import type { CertIndexEntry } from '../pki/cert-index.js';
import type { ConnectionView } from './revoked-connections.js';

/**
 * Most common names a refresh carries to its termination step. Each is at most 64 characters, so
 * the list stays far below Step Functions' 256 KB payload limit; past it (an endpoint that enforced
 * none of thousands of revocations) the step ends every live session instead.
 */
export const MAX_SESSION_COMMON_NAMES = 1000;

/**
 * The sessions a refresh ends once its import is active: those of certificates the imported CRL
 * lists and the endpoint's previous CRL did not (their holders may have connected, or reconnected
 * after the import's reset, while the endpoint was behind). `count` is the number of such common
 * names; with `everyConnection` the list is left empty and every live session goes.
 */
export interface SessionsToEnd {
  readonly count: number;
  readonly commonNames: string[];
  readonly everyConnection: boolean;
}

export const NO_SESSIONS_TO_END: SessionsToEnd = { count: 0, commonNames: [], everyConnection: false };

/** Serial hex as the CRL parser writes it: uppercase, no leading zero octets. */
const canonicalSerial = (serial: string): string =>
  serial.toUpperCase().replace(/^(?:00)+(?=[0-9A-F]{2})/, '');

/**
 * The common names of certificates newly listed by the CRL being imported. `enforced` holds the
 * serials the endpoint's CRL already revoked; undefined when it enforced none of the CA's (no CRL,
 * an unreadable one, or another CA's). A newly listed serial missing from the index (imported from
 * elsewhere, or expired and pruned) has no known common name and ends no session.
 */
export function sessionsToEnd(
  imported: ReadonlySet<string>,
  enforced: ReadonlySet<string> | undefined,
  index: readonly CertIndexEntry[],
): SessionsToEnd {
  const already = new Set([...(enforced ?? [])].map(canonicalSerial));
  const fresh = new Set([...imported].map(canonicalSerial).filter((serial) => !already.has(serial)));
  if (fresh.size === 0) return NO_SESSIONS_TO_END;
  const names = new Set<string>();
  for (const entry of index) {
    if (entry.status === 'R' && fresh.has(canonicalSerial(entry.serial))) names.add(entry.commonName);
  }
  const commonNames = [...names].sort();
  if (commonNames.length > MAX_SESSION_COMMON_NAMES) {
    return { count: commonNames.length, commonNames: [], everyConnection: true };
  }
  return { count: commonNames.length, commonNames, everyConnection: false };
}

/** The live sessions (active, or a termination that failed) of these common names, or all of them. */
export function connectionsToEnd(
  connections: readonly ConnectionView[],
  target: { readonly commonNames: readonly string[]; readonly everyConnection: boolean },
): string[] {
  const names = new Set(target.commonNames);
  return connections
    .filter((c) => c.status === 'active' || c.status === 'failed-to-terminate')
    .filter((c) => target.everyConnection || (c.commonName !== undefined && names.has(c.commonName)))
    .map((c) => c.connectionId);
}

import { mkdir } from 'node:fs/promises';
import { revokeCertificate } from '../../../functions/core/pki/ca-operations.js';
import type { CertIndexEntry } from '../../../functions/core/pki/cert-index.js';
import { fromPem } from '../../../functions/core/pki/pem.js';
import {
  parsePendingRevocations,
  splitDue,
  type PendingRevocation,
} from '../../../functions/core/pki/renewal.js';
import { parseCertificate } from '../../../functions/core/pki/x509.js';
import { ConflictError } from '../../../functions/core/errors.js';
import { exists, PENDING_REVOCATIONS, type EasyRsaStore } from './easyrsa-store.js';

/*
 * Renewals in an easy-rsa store (`cachegate cert renew`): the predecessor's files move to
 * `renewed/` as easy-rsa 3.1's `renew` leaves them, and its revocation waits in
 * PENDING_REVOCATIONS (cachegate's own file) until the grace period is over. Every function here
 * runs inside the store lock.
 */

/** Where a renewed certificate's files go, and where they go once it is revoked (easy-rsa's layout). */
const RENEWED = (cn: string, serial: string): [string, string, string][] => [
  [`issued/${cn}.crt`, `renewed/issued/${cn}.crt`, `revoked/certs_by_serial/${serial}.crt`],
  [`private/${cn}.key`, `renewed/private/${cn}.key`, `revoked/private_by_serial/${serial}.key`],
  [`reqs/${cn}.req`, `renewed/reqs/${cn}.req`, `revoked/reqs_by_serial/${serial}.req`],
];

export async function readPendingRevocations(store: EasyRsaStore): Promise<PendingRevocation[]> {
  const text = await store.readOptional(PENDING_REVOCATIONS);
  return text === undefined ? [] : parsePendingRevocations(text, PENDING_REVOCATIONS);
}

export async function writePendingRevocations(
  store: EasyRsaStore,
  pending: readonly PendingRevocation[],
): Promise<void> {
  if (pending.length === 0) await store.remove(PENDING_REVOCATIONS);
  else await store.write(PENDING_REVOCATIONS, `${JSON.stringify(pending, null, 2)}\n`);
}

/** True when `rel` holds the certificate with this serial (a CN's files may belong to another one). */
async function holdsSerial(store: EasyRsaStore, rel: string, serial: string): Promise<boolean> {
  const pem = await store.readOptional(rel);
  return pem !== undefined && parseCertificate(fromPem(pem, 'CERTIFICATE', rel), rel).serial === serial;
}

/**
 * Moves the predecessor's files out of the CN's names into `renewed/`, so its successor can take
 * them (files of another certificate are left alone). Refuses when `renewed/` still holds this
 * CN's files of an earlier renewal.
 */
export async function moveToRenewed(store: EasyRsaStore, predecessor: CertIndexEntry): Promise<void> {
  const files = RENEWED(predecessor.commonName, predecessor.serial);
  for (const [, renewed] of files) {
    if (await exists(store.path(renewed))) {
      throw new ConflictError(`${renewed} already exists (an earlier renewal); refusing to overwrite it`);
    }
  }
  if (!(await holdsSerial(store, files[0]![0], predecessor.serial))) return;
  for (const dir of ['issued', 'private', 'reqs']) {
    await mkdir(store.path('renewed', dir), { recursive: true, mode: dir === 'private' ? 0o700 : 0o755 });
  }
  for (const [current, renewed] of files) await store.move(current, renewed);
}

/**
 * Revokes every pending predecessor whose grace period is over (reason `superseded`), before a
 * CRL is built from the index: the index is written first, then the files move to `revoked/`,
 * then the record forgets them, so a crash at any point is completed by the next build. One
 * revoked since (by hand) or expired is forgotten without a change.
 */
export async function applyDueRevocations(store: EasyRsaStore, now: Date): Promise<CertIndexEntry[]> {
  const { due, waiting } = splitDue(await readPendingRevocations(store), now);
  if (due.length === 0) return [];
  let index = await store.readIndex();
  const revoked: CertIndexEntry[] = [];
  for (const pending of due) {
    if (index.find((e) => e.serial === pending.serial)?.status !== 'V') continue;
    const result = revokeCertificate({ index, serial: pending.serial, reason: 'superseded', now });
    index = result.index;
    revoked.push(result.entry);
  }
  if (revoked.length > 0) await store.writeIndex(index);
  for (const entry of revoked) {
    const files = RENEWED(entry.commonName, entry.serial);
    if (!(await holdsSerial(store, files[0]![1], entry.serial))) continue;
    await store.ensureDirs();
    for (const [, renewed, gone] of files) await store.move(renewed, gone);
    await store.remove(`certs_by_serial/${entry.serial}.pem`);
  }
  await writePendingRevocations(store, waiting);
  return revoked;
}

/**
 * Rotations of one user are serialised by a lock item (DynamoDB, conditional write): the owner
 * is the execution, and the item expires after the longest a rotation execution may run, so a
 * rotation whose execution died cannot block the next one for long. The next one then finds the
 * dead run's AWSPENDING version and reuses it.
 */
export const ROTATION_EXECUTION_TIMEOUT_SECONDS = 3600;
export const ROTATION_LOCK_SECONDS = ROTATION_EXECUTION_TIMEOUT_SECONDS + 300;

export interface RotationLock {
  userId: string;
  owner: string;
  /** Epoch seconds (the table's TTL attribute). */
  expiresAt: number;
}

export function rotationLock(userId: string, owner: string, now: Date): RotationLock {
  return { userId, owner, expiresAt: Math.floor(now.getTime() / 1000) + ROTATION_LOCK_SECONDS };
}

/** Whether `owner` may take the lock, given the item there now (the same rule the conditional write enforces). */
export function mayTakeLock(existing: RotationLock | undefined, owner: string, now: Date): boolean {
  return !existing || existing.owner === owner || existing.expiresAt <= Math.floor(now.getTime() / 1000);
}

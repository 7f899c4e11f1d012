import { RotationRefusedError } from './errors.js';
import { AWSCURRENT, AWSPENDING } from './stages.js';

/** The four steps Secrets Manager invokes a rotation function with, in this order. */
export const ROTATION_STEPS = ['createSecret', 'setSecret', 'testSecret', 'finishSecret'] as const;
export type RotationStep = (typeof ROTATION_STEPS)[number];

export type TokenCheck = { kind: 'proceed' } | { kind: 'done'; reason: string };

/**
 * The checks AWS's rotation function template makes before every step, on the version whose ID
 * is the `ClientRequestToken`: it must exist and hold AWSPENDING; a version that already holds
 * AWSCURRENT means this rotation finished (a retried invocation), so the step does nothing.
 * Secrets Manager's RotateSecret creates that version, labelled AWSPENDING and with no value,
 * before it calls `createSecret`; `createSecret` may also meet no version at all (a rotation
 * started by invoking the function directly): it then creates it.
 */
export function checkRotationToken(
  step: RotationStep,
  token: string,
  versionIdsToStages: Record<string, string[]>,
): TokenCheck {
  const stages = versionIdsToStages[token];
  if (stages === undefined) {
    if (step === 'createSecret') return { kind: 'proceed' };
    throw new RotationRefusedError(`secret version ${token} has no stage for rotation`);
  }
  if (stages.includes(AWSCURRENT)) return { kind: 'done', reason: `version ${token} is already AWSCURRENT` };
  if (!stages.includes(AWSPENDING)) {
    throw new RotationRefusedError(`secret version ${token} is not AWSPENDING: it is not being rotated`);
  }
  return { kind: 'proceed' };
}

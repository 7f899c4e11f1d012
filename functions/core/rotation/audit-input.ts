import * as z from 'zod/mini';

/**
 * The fields a rotation workflow hands its audit step (finish-password-rotation,
 * publish-auth-token-event): identifiers only. `requestId` is '' when the rotation was started
 * without one; `previousVersionId` is '' when the secret had no version to demote.
 */
export const rotationAuditInputShape = {
  actor: z.string().check(z.minLength(1)),
  requestId: z.string(),
  secretArn: z.string().check(z.minLength(1)),
  currentVersionId: z.string().check(z.minLength(1)),
  previousVersionId: z.string(),
  verification: z.string().check(z.minLength(1)),
};

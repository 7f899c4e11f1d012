import * as z from 'zod/mini';
import { serviceNow } from '../aws/service-clock.js';
import { takeUserClaimRecovering } from '../use-cases/claim-recovery.js';
import { lambdaHandler } from '../commons/lambda-handler.js';
import { logger } from '../commons/powertools.js';
import {
  CLAIM_HOLDERS,
  CLAIM_SUBJECTS,
  MAX_CLAIM_ATTEMPTS,
  claimSubject,
  userBusyReason,
  type ClaimHolder,
} from '../core/rbac/user-claim.js';

const inputSchema = z.object({
  /** The workflow's state: the request, or the validated plan, and the last attempt's result. */
  state: z.looseObject({ claim: z.optional(z.object({ attempts: z.int().check(z.gte(0)) })) }),
  subject: z.enum(CLAIM_SUBJECTS),
  owner: z.string().check(z.minLength(1)),
  holder: z.enum(Object.keys(CLAIM_HOLDERS) as [ClaimHolder, ...ClaimHolder[]]),
});

/**
 * Takes the user's claim for this run (one change per user at a time). `busy`: another workflow
 * holds it, the run waits and asks again; `gave-up` after MAX_CLAIM_ATTEMPTS asks, and the run
 * ends as "user busy" having changed nothing.
 */
export const handler = lambdaHandler(inputSchema, async ({ state, subject, owner, holder }) => {
  const attempts = (state.claim?.attempts ?? 0) + 1;
  const user = claimSubject(state, subject);
  if (!user) return { status: 'held', userId: '', service: 'elasticache', attempts, reason: '' };
  const outcome = await takeUserClaimRecovering({ ...user, owner, holder, now: serviceNow() });
  const status = outcome.taken ? 'held' : attempts >= MAX_CLAIM_ATTEMPTS ? 'gave-up' : 'busy';
  const reason = outcome.taken ? '' : `${userBusyReason(user.userId, outcome.holder)}; nothing was changed`;
  logger.info('user claim', { ...user, status, attempts });
  return { status, ...user, attempts, reason };
});

import * as z from 'zod/mini';
import { storePendingToken } from '../use-cases/auth-token-rotation-steps.js';
import { lambdaHandler } from '../commons/lambda-handler.js';
import { logger } from '../commons/powertools.js';
import { clientRequestToken } from '../core/rbac/client-request-token.js';

const inputSchema = z.object({
  replicationGroupId: z.string().check(z.minLength(1)),
  secretArn: z.string().check(z.minLength(1)),
  executionName: z.string().check(z.minLength(1)),
});

/** A new AUTH token as AWSPENDING (or the one a crashed run left); only its version ID leaves. */
export const handler = lambdaHandler(
  inputSchema,
  async ({ replicationGroupId, secretArn, executionName }) => {
    const token = clientRequestToken('rotate-auth-token', executionName, replicationGroupId);
    const pending = await storePendingToken({ secretArn, token });
    logger.info('pending token stored', { replicationGroupId, secretArn, ...pending });
    return pending;
  },
);

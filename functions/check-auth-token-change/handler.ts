import * as z from 'zod/mini';
import { checkTokenChange } from '../use-cases/auth-token-rotation-steps.js';
import { lambdaHandler } from '../commons/lambda-handler.js';

const inputSchema = z.object({ replicationGroupId: z.string().check(z.minLength(1)) });

/** Polled after ROTATE / SET: `settled` once the group is available with no token change pending. */
export const handler = lambdaHandler(inputSchema, async ({ replicationGroupId }) =>
  checkTokenChange(replicationGroupId),
);

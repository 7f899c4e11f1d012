import * as z from 'zod/mini';
import { removeManagedPolicy } from '../aws/iam.js';
import { lambdaHandler } from '../commons/lambda-handler.js';
import { logger } from '../commons/powertools.js';
import { iamConnectPolicyArn } from '../core/rbac/iam-auth.js';

const inputSchema = z.object({ userId: z.string().check(z.minLength(1)) });

/**
 * offboard-user: removes the user's IAM connect grant (detached from every principal, then
 * deleted), if it has one. It runs for every user, so a run that crashed after the user was
 * deleted still leaves no grant behind; a password user has none and nothing changes.
 */
export const handler = lambdaHandler(inputSchema, async ({ userId }, context) => {
  // The grant lives in the account this function runs in (arn:<partition>:lambda:<region>:<account>:…).
  const [, partition = 'aws', , , accountId = ''] = context.invokedFunctionArn.split(':');
  const policyArn = iamConnectPolicyArn(accountId, userId, partition);
  const removed = await removeManagedPolicy(policyArn);
  logger.info('IAM connect grant checked', { userId, policyArn, removed });
  return { policyArn, removed };
});

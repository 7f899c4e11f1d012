import * as z from 'zod/mini';
import { grantManagedPolicy } from '../aws/iam.js';
import { lambdaHandler } from '../commons/lambda-handler.js';
import { logger } from '../commons/powertools.js';
import { iamPrincipalArnSchema } from '../core/rbac/iam-auth.js';

const inputSchema = z.object({
  userId: z.string().check(z.minLength(1)),
  iam: z.object({
    principalArn: iamPrincipalArnSchema,
    policyName: z.string().check(z.minLength(1)),
    policyArn: z.string().check(z.minLength(1)),
    policyDocument: z.string().check(z.minLength(1)),
  }),
});

/**
 * onboard-user, IAM users: creates the managed policy that allows `elasticache:Connect` on exactly
 * the user and its caches (planned by the validation step) and attaches it to the principal.
 */
export const handler = lambdaHandler(inputSchema, async ({ userId, iam }) => {
  const { policyArn, created } = await grantManagedPolicy({
    principalArn: iam.principalArn,
    policyName: iam.policyName,
    policyArn: iam.policyArn,
    document: iam.policyDocument,
    description: `cachegate: elasticache:Connect as ElastiCache user ${userId}`,
  });
  logger.info('IAM connect grant in place', { userId, policyArn, principalArn: iam.principalArn, created });
  return { policyArn, principalArn: iam.principalArn };
});

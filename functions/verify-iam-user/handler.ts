import * as z from 'zod/mini';
import { iamAuthTokenForThisFunction } from '../aws/iam-auth-token.js';
import { IamAuthRejected, probeCacheFromEnv, probeEndpointFromEnv, tryAuth } from '../aws/rotation-probe.js';
import { lambdaHandler } from '../commons/lambda-handler.js';
import { logger } from '../commons/powertools.js';

const inputSchema = z.object({
  userId: z.string().check(z.minLength(1)),
  /** The caches the user's groups serve (the onboarding plan's `iam.caches`). */
  caches: z
    .array(z.object({ cacheId: z.string().check(z.minLength(1)), serverless: z.boolean() }))
    .check(z.minLength(1)),
});

/**
 * onboard-user, IAM users: `AUTH <user> <token>` through the connectivity probe, with a token this
 * function generates and signs (the cache checks the signature, that the user uses IAM and is in
 * its user group, and that the signer may `elasticache:Connect`). The token lives only in this
 * call. Skipped, with the reason, when no probe is configured or the probe reaches none of the
 * user's caches. A refusal throws IamAuthRejected, which the workflow retries while IAM
 * propagates a new policy, then fails on.
 */
export const handler = lambdaHandler(inputSchema, async ({ userId, caches }) => {
  const endpoint = probeEndpointFromEnv();
  const probeCache = probeCacheFromEnv();
  if (!endpoint || probeCache === undefined) {
    const detail = 'no connectivity probe configured (ROTATION_PROBE_ENDPOINT and ROTATION_PROBE_CACHE)';
    logger.info('IAM user not verified', { userId, detail });
    return { result: 'skipped', detail };
  }
  const cache = caches.find((c) => c.cacheId === probeCache);
  if (!cache) {
    const detail = `the probe reaches cache ${probeCache}, which the user's groups do not serve`;
    logger.info('IAM user not verified', { userId, detail });
    return { result: 'skipped', detail };
  }
  const token = await iamAuthTokenForThisFunction({
    cacheName: cache.cacheId,
    userId,
    serverless: cache.serverless,
  });
  const result = await tryAuth(endpoint, userId, token);
  if (result === 'rejected') {
    throw new IamAuthRejected(`cache ${cache.cacheId} refused AUTH ${userId} with a fresh IAM auth token`);
  }
  logger.info('IAM user verified', { userId, cacheId: cache.cacheId });
  return { result: 'accepted', detail: `AUTH ${userId} with an IAM auth token accepted by ${cache.cacheId}` };
});

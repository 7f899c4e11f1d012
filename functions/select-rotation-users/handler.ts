import * as z from 'zod/mini';
import { cacheRbac } from '../aws/cache-rbac.js';
import { listUserSecrets } from '../aws/rotation-secrets.js';
import { lambdaHandler } from '../commons/lambda-handler.js';
import { logger } from '../commons/powertools.js';
import { ValidationError } from '../core/errors.js';
import { CACHE_SERVICE_NAMES, cacheServiceSchema } from '../core/rbac/cache-service.js';
import {
  rotationConcurrency,
  rotationSelectorSchema,
  selectRotationUsers,
} from '../core/rotation/selection.js';

const inputSchema = z.object({
  request: z.object({
    selector: rotationSelectorSchema,
    requestedBy: z._default(z.string().check(z.minLength(1), z.maxLength(128)), 'cachegate'),
    requestId: z.optional(z.string().check(z.maxLength(128))),
    /** ElastiCache unless `memorydb`; with MemoryDB, `group:<id>` names an ACL. */
    service: cacheServiceSchema,
    /** "Rotate everything now": as many users at once as the control-plane rate keeps busy. */
    emergency: z._default(z.boolean(), false),
  }),
});

/**
 * First step of rotate-all: the users the selector picks, split into those to rotate and those
 * skipped with a reason (no user is dropped silently). User IDs only.
 */
export const handler = lambdaHandler(inputSchema, async ({ request }) => {
  const { selector, service } = request;
  const cache = cacheRbac(service);
  const [users, secrets] = await Promise.all([cache.listUsers(), listUserSecrets(service)]);
  let groupUserIds: string[] | undefined;
  if ('userGroupId' in selector) {
    const group = await cache.describeUserGroup(selector.userGroupId);
    if (!group) {
      const kind = service === 'memorydb' ? 'ACL' : 'user group';
      throw new ValidationError(
        `${CACHE_SERVICE_NAMES[service]} ${kind} ${selector.userGroupId} does not exist`,
        'selector.userGroupId',
      );
    }
    groupUserIds = [...group.userIds, ...group.pendingUserIdsToAdd];
  }
  const { rotate, skipped } = selectRotationUsers(selector, {
    users,
    secrets,
    ...(groupUserIds ? { groupUserIds } : {}),
  });
  const maxConcurrency = rotationConcurrency(request.emergency);
  logger.info('rotation users selected', {
    service,
    rotate: rotate.length,
    skipped: skipped.length,
    maxConcurrency,
  });
  return {
    userIds: rotate,
    skipped,
    actor: request.requestedBy,
    requestId: request.requestId ?? '',
    service,
    maxConcurrency,
  };
});

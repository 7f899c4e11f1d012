import { z } from 'zod';
import { describeUserGroup, listUsers } from '../aws/elasticache.js';
import { listUserSecrets } from '../aws/rotation-secrets.js';
import { lambdaHandler } from '../commons/lambda-handler.js';
import { logger } from '../commons/powertools.js';
import { ValidationError } from '../core/errors.js';
import { rotationSelectorSchema, selectRotationUsers } from '../core/rotation/selection.js';

const inputSchema = z.object({
  request: z.object({
    selector: rotationSelectorSchema,
    requestedBy: z.string().min(1).max(128).default('cachegate'),
    requestId: z.string().max(128).optional(),
  }),
});

/**
 * First step of rotate-all: the users the selector picks, split into those to rotate and those
 * skipped with a reason (no user is dropped silently). User IDs only.
 */
export const handler = lambdaHandler(inputSchema, async ({ request }) => {
  const { selector } = request;
  const [users, secrets] = await Promise.all([listUsers(), listUserSecrets()]);
  let groupUserIds: string[] | undefined;
  if ('userGroupId' in selector) {
    const group = await describeUserGroup(selector.userGroupId);
    if (!group)
      throw new ValidationError(`user group ${selector.userGroupId} does not exist`, 'selector.userGroupId');
    groupUserIds = [...group.userIds, ...group.pendingUserIdsToAdd];
  }
  const { rotate, skipped } = selectRotationUsers(selector, {
    users,
    secrets,
    ...(groupUserIds ? { groupUserIds } : {}),
  });
  logger.info('rotation users selected', { rotate: rotate.length, skipped: skipped.length });
  return { userIds: rotate, skipped, actor: request.requestedBy, requestId: request.requestId ?? '' };
});

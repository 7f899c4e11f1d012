import { AlreadyDecidedError, ApproverNotAllowedError, SelfApprovalError } from '../core/access-request.js';
import { apiGatewayEventSchema, header, jsonResponse, rawBody, respond } from '../core/api/http.js';
import { decidedMessage, parseSlackInteraction } from '../core/api/slack-interaction.js';
import { NotFoundError } from '../core/errors.js';
import { SLACK_REPLAY_WINDOW_SECONDS, verifySlackRequest } from '../core/slack-signature.js';
import { rememberSlackRequest } from '../aws/access-requests-table.js';
import { slackCredentials, slackNotifier } from '../aws/slack-notifier.js';
import { approvalSettings } from '../commons/approval-settings.js';
import { lambdaHandler } from '../commons/lambda-handler.js';
import { logger } from '../commons/powertools.js';
import { decideApproval } from '../use-cases/decide-approval.js';

/** Refusals the clicker is told about (only them, ephemerally); nothing changed. */
const refusals = [SelfApprovalError, ApproverNotAllowedError, AlreadyDecidedError, NotFoundError];

/**
 * Slack interaction endpoint (no IAM auth at API Gateway: Slack signs instead). Verifies the v0
 * signature over the raw body within the 5-minute window, refuses a replayed signature, takes
 * the approver from the signed payload and applies the decision once, synchronously (a few
 * DynamoDB writes and one SendTask call, well inside Slack's 3-second budget), then rewrites
 * the approval message to name who decided.
 */
export const handler = lambdaHandler(apiGatewayEventSchema, (event) =>
  respond(
    async () => {
      const body = rawBody(event);
      const signature = header(event, 'X-Slack-Signature');
      const { signingSecret } = await slackCredentials();
      const now = new Date();
      verifySlackRequest(
        { timestamp: header(event, 'X-Slack-Request-Timestamp'), signature, rawBody: body },
        signingSecret,
        now,
      );
      const interaction = parseSlackInteraction(body);
      // Past the window the timestamp check refuses it anyway, so remembering it that long is enough.
      const expiresAt = new Date(now.getTime() + 2 * SLACK_REPLAY_WINDOW_SECONDS * 1000);
      if (!(await rememberSlackRequest(signature as string, expiresAt))) {
        logger.warn('replayed Slack request ignored', { approvalId: interaction.approvalId });
        return jsonResponse(200, { ok: false, error: 'REPLAYED' });
      }
      const notifier = await slackNotifier();
      try {
        await decideApproval({
          approvalId: interaction.approvalId,
          approver: interaction.approver,
          decision: interaction.decision,
          allowedApprovers: approvalSettings().approvers,
        });
      } catch (error) {
        if (!refusals.some((type) => error instanceof type)) throw error;
        const { code, message } = error as AlreadyDecidedError;
        logger.info('Slack decision refused', { approvalId: interaction.approvalId, code });
        if (notifier && interaction.message) {
          await notifier
            .postEphemeral({
              channel: interaction.message.channel,
              user: interaction.approver,
              text: message,
            })
            .catch((e: unknown) => logger.warn('could not tell the clicker', { error: e }));
        }
        return jsonResponse(200, { ok: false, error: code });
      }
      logger.info('Slack decision applied', {
        approvalId: interaction.approvalId,
        decision: interaction.decision,
      });
      if (notifier && interaction.message) {
        const { channel, ts } = interaction.message;
        await notifier
          .updateMessage({
            ...decidedMessage(channel, interaction.approvalId, interaction.decision, interaction.approver),
            ts,
          })
          // The decision stands even if Slack is unreachable; only the message stays stale.
          .catch((e: unknown) => logger.warn('could not update the approval message', { error: e }));
      }
      return jsonResponse(200, { ok: true });
    },
    (error) => logger.error('Slack interaction failed', { error }),
  ),
);

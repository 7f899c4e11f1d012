import * as z from 'zod/mini';
import { lambdaHandler } from '../commons/lambda-handler.js';
import { DEFAULT_NOTICE_DAYS, parseNoticeDays } from '../core/pki/expiry-notices.js';
import { notifyCertificateExpiry } from '../use-cases/notify-certificate-expiry.js';

const inputSchema = z.object({ requestedBy: z.string().check(z.minLength(1), z.maxLength(128)) });

/**
 * The daily client-certificate expiry notices (functions/use-cases/notify-certificate-expiry.ts):
 * thresholds from `CERTIFICATE_NOTICE_DAYS` (default 30,7,1), Slack channel from
 * `SLACK_APPROVAL_CHANNEL` (where the holders' access requests are approved).
 */
export const handler = lambdaHandler(inputSchema, async ({ requestedBy }, context) =>
  notifyCertificateExpiry({
    requestedBy,
    thresholds: process.env.CERTIFICATE_NOTICE_DAYS
      ? parseNoticeDays(process.env.CERTIFICATE_NOTICE_DAYS, 'CERTIFICATE_NOTICE_DAYS')
      : DEFAULT_NOTICE_DAYS,
    channel: process.env.SLACK_APPROVAL_CHANNEL || undefined,
    invocationId: context.awsRequestId,
  }),
);

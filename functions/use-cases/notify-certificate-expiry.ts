import { publishAuditEvent } from '../aws/audit-events.js';
import { crlAuthority } from '../aws/crl-authority.js';
import {
  claimExpiryNotice,
  markExpiryNoticeSent,
  releaseExpiryNotice,
} from '../aws/expiry-notice-records.js';
import { serviceNow } from '../aws/service-clock.js';
import { slackNotifier } from '../aws/slack-notifier.js';
import { logger } from '../commons/powertools.js';
import { auditEvent } from '../core/audit-event.js';
import { dueExpiryNotices, expiryNoticeMessage } from '../core/pki/expiry-notices.js';

/** A claim older than this belongs to a run that died: three times the function's timeout. */
const STALE_CLAIM_MS = 15 * 60_000;

/**
 * Client certificate expiry notices (infra/constructs/certificate-expiry-notices.ts), run daily
 * by an EventBridge rule through the notify-certificate-expiry Lambda: every valid certificate
 * in the CA's index within a notice threshold gets one Slack message in the approval channel
 * (where its holder's access requests are approved) and one `CertificateExpiryNotified` audit
 * event, once per certificate and threshold: each notice is claimed in the index table before
 * it is sent. A failed Slack call releases the claim, so the retried invocation sends it.
 */
export async function notifyCertificateExpiry({
  requestedBy,
  thresholds,
  channel,
  invocationId,
}: {
  requestedBy: string;
  thresholds: readonly number[];
  /** The Slack channel; without one, notices are audit events only. */
  channel: string | undefined;
  /** The Lambda request ID, recorded in each audit event. */
  invocationId: string;
}): Promise<{ due: number; sent: number; alreadySent: number }> {
  const now = serviceNow();
  const due = dueExpiryNotices(await (await crlAuthority()).index.entries(), thresholds, now);
  const notifier = channel ? await slackNotifier() : undefined;
  let sent = 0;
  for (const notice of due) {
    const claim = {
      serial: notice.serial,
      commonName: notice.commonName,
      thresholdDays: notice.thresholdDays,
    };
    if (!(await claimExpiryNotice(claim, now, STALE_CLAIM_MS))) continue;
    let posted: { channel: string; ts: string } | undefined;
    try {
      posted =
        notifier && channel ? await notifier.postMessage(expiryNoticeMessage(channel, notice)) : undefined;
    } catch (error) {
      await releaseExpiryNotice(claim);
      throw error;
    }
    await publishAuditEvent(
      auditEvent(
        'CertificateExpiryNotified',
        requestedBy,
        now,
        {
          commonName: notice.commonName,
          serial: notice.serial,
          notAfter: notice.notAfter.toISOString(),
          thresholdDays: notice.thresholdDays,
          daysLeft: notice.daysLeft,
          slack: posted !== undefined,
        },
        invocationId,
      ),
    );
    await markExpiryNoticeSent(claim, now, posted);
    logger.info('certificate expiry notice sent', { ...claim, daysLeft: notice.daysLeft, slack: !!posted });
    sent += 1;
  }
  return { due: due.length, sent, alreadySent: due.length - sent };
}

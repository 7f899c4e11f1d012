import type { SlackMessage } from '../api/slack-interaction.js';
import { ValidationError } from '../errors.js';
import { parseTimeText } from './asn1-time.js';
import type { CertIndexEntry } from './cert-index.js';

/**
 * Client certificate expiry notices: which certificates are due a notice now, and what it says.
 * A certificate gets at most one notice per threshold (the caller records each one it sends), and
 * only for the tightest threshold it has reached: a certificate first seen 5 days before expiry
 * with thresholds 30, 7 and 1 is told about the 7-day threshold once, not about 30 and 7 at once.
 */

const DAY_MS = 86_400_000;

/** Days before expiry at which the holder is told, most distant first once sorted. */
export const DEFAULT_NOTICE_DAYS: readonly number[] = [30, 7, 1];

export interface ExpiryNotice {
  commonName: string;
  serial: string;
  notAfter: Date;
  /** The threshold this notice is for (days before expiry). */
  thresholdDays: number;
  /** Whole days left, rounded down (0 on the last day). */
  daysLeft: number;
}

/** Thresholds from configuration text (`30,7,1`): whole days 1-365, each once. */
export function parseNoticeDays(text: string, field = 'noticeDays'): number[] {
  const days = text.split(',').map((part) => Number(part.trim()));
  if (days.length === 0 || days.some((d) => !Number.isInteger(d) || d < 1 || d > 365)) {
    throw new ValidationError('must be whole days 1-365 separated by commas, e.g. 30,7,1', field);
  }
  if (new Set(days).size !== days.length) throw new ValidationError('a threshold appears twice', field);
  return [...days].sort((a, b) => b - a);
}

/**
 * The notices due at `now`: valid certificates not yet expired whose remaining time is within a
 * threshold, each with the smallest threshold it has reached. Server certificates must be left
 * out by the caller (they are renewed in place, not by their holder).
 */
export function dueExpiryNotices(
  entries: readonly CertIndexEntry[],
  thresholdsDays: readonly number[],
  now: Date,
): ExpiryNotice[] {
  const notices: ExpiryNotice[] = [];
  for (const entry of entries) {
    if (entry.status !== 'V') continue;
    const notAfter = parseTimeText(entry.expires);
    const left = notAfter.getTime() - now.getTime();
    if (left <= 0) continue;
    const reached = thresholdsDays.filter((days) => left <= days * DAY_MS);
    if (reached.length === 0) continue;
    notices.push({
      commonName: entry.commonName,
      serial: entry.serial,
      notAfter,
      thresholdDays: Math.min(...reached),
      daysLeft: Math.floor(left / DAY_MS),
    });
  }
  return notices.sort((a, b) => a.notAfter.getTime() - b.notAfter.getTime());
}

/**
 * The Slack notice. The common name is validated at issuance (no `<`, `>`, `&`, backtick is
 * possible), but it goes out as plain_text anyway: Slack parses nothing in it.
 */
export function expiryNoticeMessage(channel: string, notice: ExpiryNotice): SlackMessage {
  const when =
    notice.daysLeft === 0 ? 'today' : `in ${notice.daysLeft} day${notice.daysLeft === 1 ? '' : 's'}`;
  const headline = `VPN certificate for ${notice.commonName} expires ${when}`;
  const detail =
    `Certificate ${notice.serial} (common name ${notice.commonName}) expires ${notice.notAfter.toISOString()}` +
    ` (notice at ${notice.thresholdDays} days). After that its holder cannot connect to the Client VPN.` +
    ` Ask for its successor: a new vpn-certificate access request for ${notice.commonName}` +
    ` (or, on an easy-rsa store, cachegate cert renew --cn ${notice.commonName}).`;
  return {
    channel,
    text: `${headline}.`,
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: headline, emoji: false } },
      { type: 'section', text: { type: 'plain_text', text: detail, emoji: false } },
    ],
  };
}

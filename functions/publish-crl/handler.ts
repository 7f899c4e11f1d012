import * as z from 'zod/mini';
import { crlAuthority } from '../aws/crl-authority.js';
import { latestCrl, readCrl, storeCrl, type StoredCrl } from '../aws/crl-store.js';
import { serviceNow } from '../aws/service-clock.js';
import { lambdaHandler } from '../commons/lambda-handler.js';
import { logger } from '../commons/powertools.js';
import { buildVerifiedCrl } from '../core/crl-refresh/crl-publication.js';
import { needsNewCrl } from '../core/crl-refresh/endpoint-decision.js';
import { parseDistributionSettings } from '../core/crl-refresh/refresh-policy.js';

const inputSchema = z.object({
  /** `revocation`: always a new CRL that must list `requiredSerial`. `refresh`: reuse the latest unless it nears expiry. */
  purpose: z.enum(['revocation', 'refresh']),
  requiredSerial: z.optional(z.string().check(z.regex(/^[0-9A-F]+$/))),
  /** The workflow input: who asked, and their request ID if any (echoed for the audit trail). */
  request: z._default(
    z.object({
      requestedBy: z.optional(z.string().check(z.minLength(1))),
      requestId: z.optional(z.string().check(z.minLength(1))),
    }),
    {},
  ),
  executionName: z._default(z.string().check(z.minLength(1)), 'local'),
});

/**
 * Makes sure the CRL to distribute exists, verified (safety rule 4) and stored; returns only its number,
 * hash and dates: the CRL itself never travels in the workflow payload.
 */
export const handler = lambdaHandler(
  inputSchema,
  async ({ purpose, requiredSerial, request, executionName }) => {
    const settings = parseDistributionSettings(process.env);
    const now = serviceNow();
    const latest = await latestCrl();
    let crl: StoredCrl;
    let rebuilt = false;
    if (purpose === 'refresh' && latest && !needsNewCrl(latest, settings.refreshMarginDays, now)) {
      crl = latest;
    } else {
      const { index, ca } = await crlAuthority();
      const [entries, certificate, signer, crlNumber, previous] = await Promise.all([
        index.entries(),
        ca.certificate(),
        ca.signer(),
        index.takeCrlNumber(),
        latest ? readCrl(latest.crlNumber, latest.sha256) : undefined,
      ]);
      const published = await buildVerifiedCrl({
        index: entries,
        ca: certificate,
        signer,
        now,
        days: settings.crlDays,
        minRemainingDays: settings.refreshMarginDays,
        nextCrlNumber: crlNumber,
        ...(previous ? { previousDer: previous.der } : {}),
        ...(requiredSerial ? { requiredSerials: [requiredSerial] } : {}),
      });
      for (const warning of published.warnings) logger.warn(warning);
      crl = await storeCrl(published.der, published);
      rebuilt = true;
    }
    logger.info('CRL ready for distribution', {
      crlNumber: crl.crlNumber.toString(),
      entries: crl.entries,
      rebuilt,
    });
    return {
      crlNumber: crl.crlNumber.toString(),
      sha256: crl.sha256,
      nextUpdate: crl.nextUpdate.toISOString(),
      entries: crl.entries,
      rebuilt,
      endpointIds: settings.endpointIds,
      requestedBy: request.requestedBy ?? 'cachegate',
      requestId: request.requestId ?? executionName,
    };
  },
);

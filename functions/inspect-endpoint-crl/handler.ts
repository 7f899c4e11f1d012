import * as z from 'zod/mini';
import { crlAuthority } from '../aws/crl-authority.js';
import { readCrl } from '../aws/crl-store.js';
import { exportCrl } from '../aws/ec2-client-vpn.js';
import { serviceNow } from '../aws/service-clock.js';
import { lambdaHandler } from '../commons/lambda-handler.js';
import { logger } from '../commons/powertools.js';
import { decideEndpointRefresh } from '../core/crl-refresh/endpoint-decision.js';
import { NO_SESSIONS_TO_END, sessionsToEnd } from '../core/crl-refresh/newly-revoked.js';
import { observeCrl } from '../core/crl-refresh/observed-crl.js';
import { parseDistributionSettings } from '../core/crl-refresh/refresh-policy.js';
import { crlRefSchema, endpointIdSchema } from '../core/crl-refresh/workflow-inputs.js';
import { parseCrl } from '../core/pki/crl-verify.js';

const inputSchema = z.object({ endpointId: endpointIdSchema, crl: crlRefSchema });

/**
 * Exports an endpoint's CRL and decides whether to import the expected one (never needlessly).
 * For an import, also names the sessions to end once it is active: the common names of the
 * certificates it newly lists (read from the index only then).
 */
export const handler = lambdaHandler(inputSchema, async ({ endpointId, crl }) => {
  const settings = parseDistributionSettings(process.env);
  const now = serviceNow();
  const { ca, index } = await crlAuthority();
  const [exported, stored, certificate] = await Promise.all([
    exportCrl(endpointId),
    readCrl(BigInt(crl.crlNumber), crl.sha256),
    ca.certificate(),
  ]);
  const expected = parseCrl(stored.der, 'stored CRL', { entries: 'serials' });
  const observed = exported.pem === undefined ? undefined : observeCrl(exported.pem, certificate);
  const serials = new Set(expected.entries.map((e) => e.serial));
  const decision = decideEndpointRefresh(
    observed,
    { sha256: crl.sha256, crlNumber: BigInt(crl.crlNumber), nextUpdate: stored.crl.nextUpdate, serials },
    settings,
    now,
  );
  const endSessions =
    decision.action === 'import'
      ? sessionsToEnd(serials, observed?.fromCa ? observed.serials : undefined, await index.entries())
      : NO_SESSIONS_TO_END;
  logger.info('endpoint CRL inspected', {
    endpointId,
    action: decision.action,
    reasons: decision.reasons,
    commonNamesToEnd: endSessions.count,
  });
  return {
    action: decision.action,
    urgent: decision.action === 'import' && decision.urgent,
    reasons: decision.reasons,
    endSessions,
    ...(decision.action === 'defer' ? { windowOpensAt: decision.windowOpensAt.toISOString() } : {}),
  };
});

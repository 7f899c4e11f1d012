import { z } from 'zod';
import { crlAuthority } from '../aws/crl-authority.js';
import { readCrl } from '../aws/crl-store.js';
import { exportCrl } from '../aws/ec2-client-vpn.js';
import { serviceNow } from '../aws/service-clock.js';
import { lambdaHandler } from '../commons/lambda-handler.js';
import { logger } from '../commons/powertools.js';
import { decideEndpointRefresh } from '../core/crl-refresh/endpoint-decision.js';
import { observeCrl } from '../core/crl-refresh/observed-crl.js';
import { parseDistributionSettings } from '../core/crl-refresh/refresh-policy.js';
import { crlRefSchema, endpointIdSchema } from '../core/crl-refresh/workflow-inputs.js';
import { parseCrl } from '../core/pki/crl-verify.js';

const inputSchema = z.object({ endpointId: endpointIdSchema, crl: crlRefSchema });

/** Exports an endpoint's CRL and decides whether to import the expected one (never needlessly). */
export const handler = lambdaHandler(inputSchema, async ({ endpointId, crl }) => {
  const settings = parseDistributionSettings(process.env);
  const now = serviceNow();
  const { ca } = await crlAuthority();
  const [exported, stored, certificate] = await Promise.all([
    exportCrl(endpointId),
    readCrl(BigInt(crl.crlNumber), crl.sha256),
    ca.certificate(),
  ]);
  const expected = parseCrl(stored.der, 'stored CRL', { entries: 'serials' });
  const decision = decideEndpointRefresh(
    exported.pem === undefined ? undefined : observeCrl(exported.pem, certificate),
    {
      sha256: crl.sha256,
      crlNumber: BigInt(crl.crlNumber),
      nextUpdate: stored.crl.nextUpdate,
      serials: new Set(expected.entries.map((e) => e.serial)),
    },
    settings,
    now,
  );
  logger.info('endpoint CRL inspected', { endpointId, action: decision.action, reasons: decision.reasons });
  return {
    action: decision.action,
    urgent: decision.action === 'import' && decision.urgent,
    reasons: decision.reasons,
    ...(decision.action === 'defer' ? { windowOpensAt: decision.windowOpensAt.toISOString() } : {}),
  };
});

import * as z from 'zod/mini';
import { putDaysUntilCrlExpiry } from '../aws/cloudwatch-metrics.js';
import { crlAuthority } from '../aws/crl-authority.js';
import { exportCrl } from '../aws/ec2-client-vpn.js';
import { serviceNow } from '../aws/service-clock.js';
import { lambdaHandler } from '../commons/lambda-handler.js';
import { daysUntilExpiry, observeCrl } from '../core/crl-refresh/observed-crl.js';
import { endpointIdSchema } from '../core/crl-refresh/workflow-inputs.js';

const inputSchema = z.object({ endpointId: endpointIdSchema });

/**
 * Publishes DaysUntilCrlExpiry for the CRL the endpoint holds now (0 when it has none, or one the
 * CA did not sign): the alarm fires before an expired CRL locks everyone out.
 */
export const handler = lambdaHandler(inputSchema, async ({ endpointId }) => {
  const { ca } = await crlAuthority();
  const [exported, certificate] = await Promise.all([exportCrl(endpointId), ca.certificate()]);
  const now = serviceNow();
  const days = daysUntilExpiry(
    exported.pem === undefined ? undefined : observeCrl(exported.pem, certificate),
    now,
  );
  await putDaysUntilCrlExpiry(endpointId, days, now);
  return { daysUntilCrlExpiry: days };
});

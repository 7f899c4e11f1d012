import * as z from 'zod/mini';
import { readCrl } from '../aws/crl-store.js';
import { importCrl } from '../aws/ec2-client-vpn.js';
import { lambdaHandler } from '../commons/lambda-handler.js';
import { logger } from '../commons/powertools.js';
import { toPem } from '../core/pki/pem.js';
import { crlRefSchema, endpointIdSchema } from '../core/crl-refresh/workflow-inputs.js';

const inputSchema = z.object({ endpointId: endpointIdSchema, crl: crlRefSchema });

/** Imports the stored CRL (by number, checked by hash) on one endpoint: this resets its connections. */
export const handler = lambdaHandler(inputSchema, async ({ endpointId, crl }) => {
  const { der } = await readCrl(BigInt(crl.crlNumber), crl.sha256);
  await importCrl(endpointId, toPem('X509 CRL', der));
  logger.info('CRL imported', { endpointId, crlNumber: crl.crlNumber });
  return { endpointId, crlNumber: crl.crlNumber };
});

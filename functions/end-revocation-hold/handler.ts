import * as z from 'zod/mini';
import { crlAuthority } from '../aws/crl-authority.js';
import { lambdaHandler } from '../commons/lambda-handler.js';
import { logger } from '../commons/powertools.js';

const inputSchema = z.object({
  commonName: z.string().check(z.minLength(1)),
  serial: z.string().check(z.minLength(1)),
});

/**
 * Last step of revoke-certificate: the revoked certificate's sessions have been terminated (by
 * common name) on every endpoint that took the CRL, so a new certificate may now take the CN.
 */
export const handler = lambdaHandler(inputSchema, async ({ commonName, serial }) => {
  const { index } = await crlAuthority();
  await index.endRevocationHold?.(commonName, serial);
  logger.info('revocation distributed; the common name may be issued again', { commonName, serial });
  return { commonName, serial };
});

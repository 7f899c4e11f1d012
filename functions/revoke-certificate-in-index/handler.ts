import * as z from 'zod/mini';
import { crlAuthority } from '../aws/crl-authority.js';
import { serviceNow } from '../aws/service-clock.js';
import { lambdaHandler } from '../commons/lambda-handler.js';
import { logger } from '../commons/powertools.js';
import { parseRevokeReason, parseSerial, validateCommonName } from '../core/pki/ca-operations.js';

const inputSchema = z
  .object({
    commonName: z.optional(z.string().check(z.minLength(1))),
    serial: z.optional(z.string().check(z.minLength(1))),
    reason: z.optional(z.string()),
    requestedBy: z.string().check(z.minLength(1)),
  })
  .check(
    z.refine((i) => (i.commonName === undefined) !== (i.serial === undefined), {
      message: 'give exactly one of commonName or serial',
      path: ['commonName'],
    }),
  );

/** Marks the certificate revoked in the index; a retry finds it revoked and returns the same entry. */
export const handler = lambdaHandler(inputSchema, async ({ commonName, serial, reason }) => {
  const { index } = await crlAuthority();
  const { entry, changed } = await index.revoke({
    ...(commonName === undefined ? {} : { commonName: validateCommonName(commonName, 'commonName') }),
    ...(serial === undefined ? {} : { serial: parseSerial(serial) }),
    ...(reason === undefined ? {} : { reason: parseRevokeReason(reason) }),
    now: serviceNow(),
  });
  logger.info('certificate revoked in the index', {
    serial: entry.serial,
    commonName: entry.commonName,
    changed,
  });
  return { serial: entry.serial, commonName: entry.commonName, revoked: entry.revoked ?? '', changed };
});

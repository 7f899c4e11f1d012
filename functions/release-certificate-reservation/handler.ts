import * as z from 'zod/mini';
import { DynamoDbCertIndex } from '../aws/dynamodb-cert-index.js';
import { serviceNow } from '../aws/service-clock.js';
import { lambdaHandler } from '../commons/lambda-handler.js';
import { logger } from '../commons/powertools.js';

const inputSchema = z.object({
  requestId: z.string().check(z.minLength(1), z.maxLength(128)),
  commonName: z.string().check(z.maxLength(256)),
  error: z.string().check(z.maxLength(256)),
  cause: z.optional(z.string().check(z.maxLength(32_768))),
});

/** The failed step's message: a Lambda error's `errorMessage`, or the cause as Step Functions gave it. */
function messageOf(cause: string | undefined): string {
  if (!cause) return '';
  try {
    const parsed = JSON.parse(cause) as { errorMessage?: unknown };
    if (typeof parsed.errorMessage === 'string') return parsed.errorMessage.slice(0, 500);
  } catch {
    // Not JSON: a Step Functions cause such as a timeout's.
  }
  return cause.slice(0, 500);
}

/**
 * Catch handler of issue-certificate: issuance failed for good after the common name may have
 * been reserved. Releases that reservation (functions/aws/dynamodb-cert-index.ts `release`) so
 * the CN is not blocked, and returns the cause the workflow fails with. Error messages carry
 * ARNs and names, never a key (safety rule 1).
 */
export const handler = lambdaHandler(inputSchema, async ({ requestId, commonName, error, cause }) => {
  const result = await new DynamoDbCertIndex().release(requestId, serviceNow());
  const cn = result.commonName ?? commonName;
  const outcome = result.recorded
    ? `the certificate was already recorded in the index and stays valid`
    : result.released
      ? `the reservation of CN "${cn}" was released${
          result.revokedSerial
            ? ` and the certificate signed meanwhile (serial ${result.revokedSerial}) recorded as revoked`
            : ''
        }; the common name can be requested again`
      : `nothing was reserved for CN "${cn}"`;
  logger.warn('certificate issuance failed; reservation released', {
    requestId,
    commonName: cn,
    ...result,
    error,
  });
  return {
    ...result,
    cause: `issuing the certificate for CN "${cn}" (request ${requestId}) failed with ${error}: ${messageOf(cause)} — ${outcome}`,
  };
});

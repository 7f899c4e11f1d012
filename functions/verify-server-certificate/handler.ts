import * as z from 'zod/mini';
import { verifyServerCertificate } from '../use-cases/server-certificate-steps.js';
import { serviceNow } from '../aws/service-clock.js';
import { lambdaHandler } from '../commons/lambda-handler.js';
import { parseRenewalSettings } from '../core/vpn/server-certificate-renewal.js';

const inputSchema = z.object({ serial: z.string().check(z.regex(/^[0-9a-fA-F:]+$/)) });

/** Reads the certificate back from ACM: the renewed serial under the same ARN, not due any more. */
export const handler = lambdaHandler(inputSchema, async ({ serial }) =>
  verifyServerCertificate(parseRenewalSettings(process.env), serial, serviceNow()),
);

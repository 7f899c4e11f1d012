import * as z from 'zod/mini';
import { reimportServerCertificate } from '../use-cases/server-certificate-steps.js';
import { serviceNow } from '../aws/service-clock.js';
import { lambdaHandler } from '../commons/lambda-handler.js';
import { parseRenewalSettings } from '../core/vpn/server-certificate-renewal.js';

const inputSchema = z.object({ previousSerial: z.string().check(z.regex(/^[0-9a-fA-F:]+$/)) });

/** Issues the successor on the stack's CA and re-imports it into the same ACM ARN (once). */
export const handler = lambdaHandler(inputSchema, async ({ previousSerial }) =>
  reimportServerCertificate(parseRenewalSettings(process.env), previousSerial, serviceNow()),
);

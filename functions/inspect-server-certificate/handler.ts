import * as z from 'zod/mini';
import { inspectServerCertificate } from '../use-cases/server-certificate-steps.js';
import { serviceNow } from '../aws/service-clock.js';
import { lambdaHandler } from '../commons/lambda-handler.js';
import {
  parseRenewalSettings,
  renewServerCertificateRequestSchema,
} from '../core/vpn/server-certificate-renewal.js';

/**
 * Checks the request, then reports the stack's server certificate as ACM sees it and whether it
 * is due for renewal.
 */
export const handler = lambdaHandler(z.object({ request: renewServerCertificateRequestSchema }), async () =>
  inspectServerCertificate(parseRenewalSettings(process.env), serviceNow()),
);

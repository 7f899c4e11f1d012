import * as z from 'zod/mini';
import { publishAuditEvent } from '../aws/audit-events.js';
import { serviceNow } from '../aws/service-clock.js';
import { lambdaHandler } from '../commons/lambda-handler.js';
import { auditEvent } from '../core/audit-event.js';

const inputSchema = z.object({
  requestId: z.string().check(z.minLength(1)),
  certificate: z.object({
    serial: z.string().check(z.minLength(1)),
    commonName: z.string().check(z.minLength(1)),
    secretArn: z.optional(z.string().check(z.minLength(1))),
  }),
});

/** Last step of issue-certificate: the CertificateIssued audit event, identifiers only. */
export const handler = lambdaHandler(
  inputSchema,
  async ({ requestId, certificate: { serial, commonName, secretArn } }) => {
    const subject = {
      serial,
      commonName,
      keyDelivery: secretArn ? 'secret' : 'csr',
      ...(secretArn ? { secretArn } : {}),
    };
    await publishAuditEvent(auditEvent('CertificateIssued', 'cachegate', serviceNow(), subject, requestId));
    return { serial, commonName };
  },
);

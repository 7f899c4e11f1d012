import * as z from 'zod/mini';
import { publishAuditEvent } from '../aws/audit-events.js';
import { serviceNow } from '../aws/service-clock.js';
import { lambdaHandler } from '../commons/lambda-handler.js';
import { auditEvent } from '../core/audit-event.js';

const inputSchema = z.object({
  certificateArn: z.string().check(z.minLength(1)),
  previousSerial: z.string().check(z.minLength(1)),
  serial: z.string().check(z.minLength(1)),
  notAfter: z.iso.datetime(),
  requestedBy: z.string().check(z.minLength(1)),
  requestId: z.string().check(z.minLength(1)),
});

/** Audit event ServerCertificateRenewed: the ARN, both serials and the new expiry (no key material). */
export const handler = lambdaHandler(inputSchema, async (input) => {
  await publishAuditEvent(
    auditEvent(
      'ServerCertificateRenewed',
      input.requestedBy,
      serviceNow(),
      {
        certificateArn: input.certificateArn,
        previousSerial: input.previousSerial,
        serial: input.serial,
        notAfter: input.notAfter,
      },
      input.requestId,
    ),
  );
  return { published: true };
});

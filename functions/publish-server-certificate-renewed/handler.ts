import * as z from 'zod';
import { publishAuditEvent } from '../aws/audit-events.js';
import { serviceNow } from '../aws/service-clock.js';
import { lambdaHandler } from '../commons/lambda-handler.js';
import { auditEvent } from '../core/audit-event.js';

const inputSchema = z.object({
  certificateArn: z.string().min(1),
  previousSerial: z.string().min(1),
  serial: z.string().min(1),
  notAfter: z.iso.datetime(),
  requestedBy: z.string().min(1),
  requestId: z.string().min(1),
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

import * as z from 'zod';
import { lambdaHandler } from '../commons/lambda-handler.js';
import { issueClientCertificate } from '../use-cases/issue-client-certificate.js';

const inputSchema = z.object({
  requestId: z.string().min(1).max(128),
  commonName: z.string(),
  csrPem: z.string().max(16_384).optional(),
});

/** Issues the client certificate of one access request, once (functions/use-cases/issue-client-certificate.ts). */
export const handler = lambdaHandler(inputSchema, (input) => issueClientCertificate(input));

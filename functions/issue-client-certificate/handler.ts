import * as z from 'zod/mini';
import { lambdaHandler } from '../commons/lambda-handler.js';
import { issueClientCertificate } from '../use-cases/issue-client-certificate.js';

const inputSchema = z.object({
  requestId: z.string().check(z.minLength(1), z.maxLength(128)),
  commonName: z.string(),
  csrPem: z.optional(z.string().check(z.maxLength(16_384))),
});

/** Issues the client certificate of one access request, once (functions/use-cases/issue-client-certificate.ts). */
export const handler = lambdaHandler(inputSchema, (input) => issueClientCertificate(input));

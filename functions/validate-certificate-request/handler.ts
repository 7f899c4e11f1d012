import * as z from 'zod/mini';
import { lambdaHandler } from '../commons/lambda-handler.js';
import { validateCommonName } from '../core/pki/ca-operations.js';
import { parseCsr } from '../core/pki/csr.js';
import { fromPem } from '../core/pki/pem.js';

const inputSchema = z.object({
  requestId: z.string().check(z.minLength(1), z.maxLength(128)),
  type: z.optional(z.literal('vpn-certificate')),
  commonName: z.string(),
  csrPem: z.optional(z.string().check(z.maxLength(16_384))),
});

/**
 * First step of issue-certificate: a bad common name or CSR fails here with a ValidationError /
 * MalformedInputError naming the field, before anything is reserved or signed. A CSR is public
 * (it holds the requester's public key): it may travel in the state payload.
 */
export const handler = lambdaHandler(inputSchema, async ({ requestId, commonName, csrPem }) => {
  validateCommonName(commonName, 'commonName');
  if (csrPem !== undefined) parseCsr(fromPem(csrPem, 'CERTIFICATE REQUEST', 'csrPem'), 'csrPem');
  return { requestId, commonName, withCsr: csrPem !== undefined };
});

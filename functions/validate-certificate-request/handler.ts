import * as z from 'zod';
import { lambdaHandler } from '../commons/lambda-handler.js';
import { validateCommonName } from '../core/pki/ca-operations.js';
import { parseCsr } from '../core/pki/csr.js';
import { fromPem } from '../core/pki/pem.js';

const inputSchema = z.object({
  requestId: z.string().min(1).max(128),
  type: z.literal('vpn-certificate').optional(),
  commonName: z.string(),
  csrPem: z.string().max(16_384).optional(),
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

import * as z from 'zod/mini';

/** A stored CRL as the workflows carry it: its number and the SHA-256 of its DER, never its bytes. */
export const crlRefSchema = z.object({
  crlNumber: z.string().check(z.regex(/^\d+$/, 'must be a decimal CRL number')),
  sha256: z.string().check(z.regex(/^[0-9a-f]{64}$/, 'must be a hex SHA-256')),
});

export const endpointIdSchema = z
  .string()
  .check(z.regex(/^cvpn-endpoint-[0-9a-z]+$/, 'must be a Client VPN endpoint ID'));

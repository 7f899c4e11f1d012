import * as z from 'zod';

/** A stored CRL as the workflows carry it: its number and the SHA-256 of its DER, never its bytes. */
export const crlRefSchema = z.object({
  crlNumber: z.string().regex(/^\d+$/, 'must be a decimal CRL number'),
  sha256: z.string().regex(/^[0-9a-f]{64}$/, 'must be a hex SHA-256'),
});

export const endpointIdSchema = z
  .string()
  .regex(/^cvpn-endpoint-[0-9a-z]+$/, 'must be a Client VPN endpoint ID');

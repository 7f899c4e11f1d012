import * as z from 'zod/mini';
import { DEFAULT_CLIENT_CIDR } from './client-cidr.js';
// Parsed outside parseInput too (infra/config.ts, the demo): zod/mini needs the English messages loaded.
import '../zod-english.js';

export const ipv4Cidr = z
  .string()
  .check(z.regex(/^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/, 'must be an IPv4 CIDR block'));
const acmCertificateArn = z
  .string()
  .check(z.regex(/^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[0-9a-f-]+$/));

/**
 * The `vpnAccess` section of the deployment configuration (infra/config.ts): Client VPN access to an
 * existing cache (infra/constructs/cache-vpn-access.ts, docs/vpn-access.md). The demo reads the
 * same section to provision the sandbox endpoint.
 */
export const vpnAccessSchema = z.object({
  vpc: z.object({
    vpcId: z.string().check(z.regex(/^vpc-[0-9a-f]{8,17}$/)),
    cidrBlocks: z.array(ipv4Cidr).check(z.minLength(1)),
  }),
  cacheSubnets: z
    .array(
      z.object({
        subnetId: z.string().check(z.regex(/^subnet-[0-9a-f]{8,17}$/)),
        availabilityZone: z.string().check(z.regex(/^[a-z]{2}(-[a-z]+)+-\d[a-z]$/)),
        cidr: ipv4Cidr,
      }),
    )
    .check(z.minLength(1)),
  cacheSecurityGroupId: z.string().check(z.regex(/^sg-[0-9a-f]{8,17}$/)),
  cachePort: z._default(z.int().check(z.gte(1), z.lte(65535)), 6379),
  clientCidr: z._default(ipv4Cidr, DEFAULT_CLIENT_CIDR),
  /**
   * The server certificate issued by the stack's CA (`cachegate vpn bootstrap --ca-secret-arn ...`),
   * imported into ACM with that CA as its chain. It is also the endpoint's client root chain: the
   * stack's CA issues the client certificates and signs the CRLs, so one CA covers all three.
   */
  serverCertificateArn: acmCertificateArn,
  /** Not configurable: a second client CA would refuse the stack's client certificates and CRLs. */
  clientRootCertificateChainArn: z.optional(
    z.never({
      error:
        "is the serverCertificateArn: the stack's CA issues the server certificate, the client certificates and the CRLs (cachegate vpn bootstrap --ca-secret-arn; docs/vpn-access.md); remove it",
    }),
  ),
});

export type VpnAccessConfig = z.infer<typeof vpnAccessSchema>;

import * as z from 'zod';
import { DEFAULT_CLIENT_CIDR } from './client-cidr.js';

export const ipv4Cidr = z.string().regex(/^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/, 'must be an IPv4 CIDR block');
const acmCertificateArn = z.string().regex(/^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[0-9a-f-]+$/);

/**
 * The `vpnAccess` section of the deployment configuration (infra/config.ts): Client VPN access to an
 * existing cache (infra/constructs/cache-vpn-access.ts, docs/vpn-access.md). The demo reads the
 * same section to provision the sandbox endpoint.
 */
export const vpnAccessSchema = z.object({
  vpc: z.object({
    vpcId: z.string().regex(/^vpc-[0-9a-f]{8,17}$/),
    cidrBlocks: z.array(ipv4Cidr).min(1),
  }),
  cacheSubnets: z
    .array(
      z.object({
        subnetId: z.string().regex(/^subnet-[0-9a-f]{8,17}$/),
        availabilityZone: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d[a-z]$/),
        cidr: ipv4Cidr,
      }),
    )
    .min(1),
  cacheSecurityGroupId: z.string().regex(/^sg-[0-9a-f]{8,17}$/),
  cachePort: z.number().int().min(1).max(65535).default(6379),
  clientCidr: ipv4Cidr.default(DEFAULT_CLIENT_CIDR),
  /**
   * The server certificate issued by the stack's CA (`cachegate vpn bootstrap --ca-secret-arn ...`),
   * imported into ACM with that CA as its chain. It is also the endpoint's client root chain: the
   * stack's CA issues the client certificates and signs the CRLs, so one CA covers all three.
   */
  serverCertificateArn: acmCertificateArn,
  /** Not configurable: a second client CA would refuse the stack's client certificates and CRLs. */
  clientRootCertificateChainArn: z
    .never({
      error:
        "is the serverCertificateArn: the stack's CA issues the server certificate, the client certificates and the CRLs (cachegate vpn bootstrap --ca-secret-arn; docs/vpn-access.md); remove it",
    })
    .optional(),
});

export type VpnAccessConfig = z.infer<typeof vpnAccessSchema>;

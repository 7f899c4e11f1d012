import * as z from 'zod/mini';
import { parseInput } from '../parse-input.js';
import { jsonVariable } from './json-variable.js';

/**
 * Where a Client VPN endpoint lives when it is not in the stack's own region and account: its
 * region, and for another account the IAM role there that cachegate assumes (docs/client-vpn.md,
 * "Endpoints in several regions and accounts"). The deployed configuration decides it; a workflow
 * payload carries only the endpoint ID, so no request can point a call at another role.
 */
export interface EndpointLocation {
  readonly region: string;
  readonly roleArn?: string;
}

export const REGION = /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$/;
export const ROLE_ARN = /^arn:aws[a-z-]*:iam::(\d{12}):role\/[\w+=,.@/-]{1,512}$/;
const ENDPOINT_ID = /^cvpn-endpoint-[0-9a-z]+$/;

export const endpointLocationSchema = z.strictObject({
  region: z.string().check(z.regex(REGION, 'must be an AWS region name, e.g. eu-west-1')),
  roleArn: z.optional(
    z.string().check(z.regex(ROLE_ARN, 'must be an IAM role ARN (arn:aws:iam::<account>:role/<name>)')),
  ),
});

const locationsSchema = z.object({
  CLIENT_VPN_ENDPOINT_LOCATIONS: z.pipe(
    jsonVariable<unknown>({}, 'must be JSON {"cvpn-endpoint-...": {"region": ...}}'),
    z.record(
      z.string().check(z.regex(ENDPOINT_ID, 'keys must be Client VPN endpoint IDs')),
      endpointLocationSchema,
    ),
  ),
});

/** The endpoint locations a Lambda's environment carries (set by the CDK construct from config). */
export function parseEndpointLocations(
  env: Record<string, string | undefined>,
): Record<string, EndpointLocation> {
  return parseInput(locationsSchema, env).CLIENT_VPN_ENDPOINT_LOCATIONS;
}

/** The account a role ARN belongs to. */
export function roleAccount(roleArn: string): string {
  const match = ROLE_ARN.exec(roleArn);
  if (!match?.[1]) throw new Error(`not an IAM role ARN: ${roleArn}`);
  return match[1];
}

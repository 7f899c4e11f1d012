import type { Sandbox } from './sandbox.js';
import type { AcmModel } from './models/acm.js';
import { Ec2ClientVpnModel, type ClientVpnDelays } from './models/ec2-client-vpn/index.js';
import type { StsModel } from './models/sts.js';

/** Where some of the endpoints are: a region, optionally another account, and its Client VPN timings. */
export interface EndpointRegion {
  region: string;
  /** Another account: its endpoints are reached through a role there (default: the sandbox's own). */
  accountId?: string;
  endpoints: number;
  delays?: Partial<ClientVpnDelays>;
}

export interface PlacedEndpoint {
  endpointId: string;
  region: string;
  accountId: string;
  roleArn?: string;
  model: Ec2ClientVpnModel;
}

/**
 * Available Client VPN endpoints trusting `caCertPem`, spread over regions and accounts as
 * `layout` says: one EC2 model per region and account (the sandbox's own for its own region),
 * another account's role made assumable (the stand-in for its trust policy). Returns the
 * endpoints and the environment the CDK construct would give the CRL functions.
 */
export function placeEndpoints(
  sandbox: Sandbox,
  caCertPem: string,
  layout: readonly EndpointRegion[],
): { endpoints: PlacedEndpoint[]; environment: Record<string, string> } {
  const endpoints: PlacedEndpoint[] = [];
  for (const { region, accountId = sandbox.accountId, endpoints: count, delays } of layout) {
    const own = region === sandbox.region && accountId === sandbox.accountId;
    let model = sandbox.modelIn<Ec2ClientVpnModel>('EC2', { region, accountId });
    if (!own && model === sandbox.model<Ec2ClientVpnModel>('EC2')) {
      model = new Ec2ClientVpnModel(sandbox.clock, {
        region,
        accountId,
        certificates: sandbox.model<AcmModel>('ACM'),
        ...(delays ? { delays } : {}),
      });
      sandbox.registerIn({ region, accountId }, model);
    } else if (delays) {
      Object.assign(model.delays, delays);
    }
    const roleArn =
      accountId === sandbox.accountId
        ? undefined
        : `arn:aws:iam::${accountId}:role/cachegate-crl-distribution`;
    if (roleArn) sandbox.model<StsModel>('STS').allowAssumeRole(roleArn);
    for (let i = 0; i < count; i += 1) {
      const endpointId = model.seedEndpoint({ caCertPem, description: `${region} ${accountId} #${i + 1}` });
      endpoints.push({ endpointId, region, accountId, ...(roleArn ? { roleArn } : {}), model });
    }
  }
  const remote = endpoints.filter((e) => e.region !== sandbox.region || e.roleArn);
  return {
    endpoints,
    environment: {
      CLIENT_VPN_ENDPOINT_IDS: endpoints.map((e) => e.endpointId).join(','),
      ...(remote.length > 0
        ? {
            CLIENT_VPN_ENDPOINT_LOCATIONS: JSON.stringify(
              Object.fromEntries(
                remote.map((e) => [
                  e.endpointId,
                  { region: e.region, ...(e.roleArn ? { roleArn: e.roleArn } : {}) },
                ]),
              ),
            ),
          }
        : {}),
    },
  };
}

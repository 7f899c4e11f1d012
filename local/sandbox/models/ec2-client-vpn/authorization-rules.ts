import type { ClientVpnAuthorizationRuleStatusCode } from '@aws-sdk/client-ec2';
import { genericFault } from '../../service-error.js';
import { ClientVpnState, parseCidr, invalidParameter } from './state.js';

/** AuthorizeClientVpnIngress, DescribeClientVpnAuthorizationRules, RevokeClientVpnIngress. */
export function authorizationRuleCommands(s: ClientVpnState) {
  return {
    AuthorizeClientVpnIngress: (input: {
      ClientVpnEndpointId?: string;
      TargetNetworkCidr?: string;
      AccessGroupId?: string;
      AuthorizeAllGroups?: boolean;
      Description?: string;
    }) => {
      const endpoint = s.endpoint(input.ClientVpnEndpointId, 'AuthorizeClientVpnIngress');
      if (!parseCidr(input.TargetNetworkCidr))
        throw invalidParameter(`Invalid TargetNetworkCidr ${input.TargetNetworkCidr}`);
      if (!input.AuthorizeAllGroups && !input.AccessGroupId) {
        throw genericFault(
          'InvalidParameterCombination',
          'Either AccessGroupId or AuthorizeAllGroups must be specified',
        );
      }
      const duplicate = endpoint.authorizationRules.some(
        (r) =>
          r.targetNetworkCidr === input.TargetNetworkCidr &&
          r.accessGroupId === input.AccessGroupId &&
          r.authorizeAllGroups === Boolean(input.AuthorizeAllGroups),
      );
      if (duplicate) {
        throw genericFault(
          'InvalidClientVpnDuplicateAuthorizationRule',
          `An authorization rule for ${input.TargetNetworkCidr} already exists on ${endpoint.id}`,
        );
      }
      endpoint.authorizationRules.push({
        targetNetworkCidr: input.TargetNetworkCidr as string,
        accessGroupId: input.AccessGroupId,
        authorizeAllGroups: Boolean(input.AuthorizeAllGroups),
        description: input.Description,
        createdAt: s.clock.nowMs(),
      });
      return { Status: { Code: 'authorizing' satisfies ClientVpnAuthorizationRuleStatusCode } };
    },

    DescribeClientVpnAuthorizationRules: (input: { ClientVpnEndpointId?: string }) => {
      const endpoint = s.endpoint(input.ClientVpnEndpointId, 'DescribeClientVpnAuthorizationRules');
      return {
        AuthorizationRules: endpoint.authorizationRules.map((r) => ({
          ClientVpnEndpointId: endpoint.id,
          DestinationCidr: r.targetNetworkCidr,
          GroupId: r.accessGroupId,
          AccessAll: r.authorizeAllGroups,
          Description: r.description,
          Status: { Code: s.settled(r, s.delays.authorization) ? 'active' : 'authorizing' },
        })),
      };
    },

    RevokeClientVpnIngress: (input: {
      ClientVpnEndpointId?: string;
      TargetNetworkCidr?: string;
      AccessGroupId?: string;
      RevokeAllGroups?: boolean;
    }) => {
      const endpoint = s.endpoint(input.ClientVpnEndpointId, 'RevokeClientVpnIngress');
      const index = endpoint.authorizationRules.findIndex(
        (r) =>
          r.targetNetworkCidr === input.TargetNetworkCidr &&
          (input.RevokeAllGroups ? r.authorizeAllGroups : r.accessGroupId === input.AccessGroupId),
      );
      if (index < 0) {
        throw genericFault(
          'InvalidClientVpnEndpointAuthorizationRuleNotFound',
          `No authorization rule for ${input.TargetNetworkCidr} on ${endpoint.id}`,
        );
      }
      endpoint.authorizationRules.splice(index, 1);
      return { Status: { Code: 'revoking' } };
    },
  };
}

import { genericFault } from '../../service-error.js';
import { ClientVpnState, parseCidr, invalidParameter } from './state.js';

/** CreateClientVpnRoute, DescribeClientVpnRoutes. */
export function routeCommands(s: ClientVpnState) {
  return {
    CreateClientVpnRoute: (input: {
      ClientVpnEndpointId?: string;
      DestinationCidrBlock?: string;
      TargetVpcSubnetId?: string;
      Description?: string;
    }) => {
      const endpoint = s.endpoint(input.ClientVpnEndpointId, 'CreateClientVpnRoute');
      if (!parseCidr(input.DestinationCidrBlock)) {
        throw invalidParameter(`Invalid DestinationCidrBlock ${input.DestinationCidrBlock}`);
      }
      if (!endpoint.associations.some((a) => a.subnetId === input.TargetVpcSubnetId)) {
        throw genericFault(
          'InvalidClientVpnActiveAssociationNotFound',
          `Subnet ${input.TargetVpcSubnetId} is not associated with Client VPN endpoint ${endpoint.id}`,
        );
      }
      const duplicate = endpoint.routes.some(
        (r) => r.destinationCidr === input.DestinationCidrBlock && r.targetSubnet === input.TargetVpcSubnetId,
      );
      if (duplicate) {
        throw genericFault(
          'InvalidClientVpnDuplicateRoute',
          `A route to ${input.DestinationCidrBlock} through ${input.TargetVpcSubnetId} already exists`,
        );
      }
      endpoint.routes.push({
        destinationCidr: input.DestinationCidrBlock as string,
        targetSubnet: input.TargetVpcSubnetId as string,
        description: input.Description,
        createdAt: s.clock.nowMs(),
      });
      return { Status: { Code: 'creating' } };
    },

    DescribeClientVpnRoutes: (input: { ClientVpnEndpointId?: string }) => {
      const endpoint = s.endpoint(input.ClientVpnEndpointId, 'DescribeClientVpnRoutes');
      return {
        Routes: endpoint.routes.map((r) => ({
          ClientVpnEndpointId: endpoint.id,
          DestinationCidr: r.destinationCidr,
          TargetSubnet: r.targetSubnet,
          Type: 'Nat',
          Origin: 'add-route',
          Description: r.description,
          Status: { Code: s.settled(r, s.delays.route) ? 'active' : 'creating' },
        })),
      };
    },
  };
}

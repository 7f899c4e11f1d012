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
      // EC2 error codes page: InvalidClientVpnActiveAssociationNotFound is "this action … while it
      // is in the pending-association state" — the endpoint has no settled target network yet.
      if (s.endpointStatus(endpoint) === 'pending-associate') {
        throw genericFault(
          'InvalidClientVpnActiveAssociationNotFound',
          `Client VPN endpoint ${endpoint.id} is pending-associate; a route needs an associated target network`,
        );
      }
      // Assumption: a subnet that is not one of the endpoint's target networks is an invalid
      // parameter value (the page lists no code of its own for it).
      if (!endpoint.associations.some((a) => a.subnetId === input.TargetVpcSubnetId)) {
        throw invalidParameter(
          `Subnet ${input.TargetVpcSubnetId} is not a target network of Client VPN endpoint ${endpoint.id}`,
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

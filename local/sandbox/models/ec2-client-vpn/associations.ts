import { genericFault } from '../../service-error.js';
import { ClientVpnState, missingParameter, type Association } from './state.js';

/** AssociateClientVpnTargetNetwork, DescribeClientVpnTargetNetworks. */
export function associationCommands(s: ClientVpnState) {
  return {
    AssociateClientVpnTargetNetwork: (input: { ClientVpnEndpointId?: string; SubnetId?: string }) => {
      const endpoint = s.endpoint(input.ClientVpnEndpointId, 'AssociateClientVpnTargetNetwork');
      if (!input.SubnetId) throw missingParameter('SubnetId');
      if (!/^subnet-[0-9a-z]+$/.test(input.SubnetId)) {
        throw genericFault(
          'InvalidClientVpnSubnetId.NotFound',
          `The subnet ID '${input.SubnetId}' does not exist`,
        );
      }
      if (endpoint.associations.some((a) => a.subnetId === input.SubnetId)) {
        throw genericFault(
          'InvalidClientVpnDuplicateAssociationException',
          `Subnet ${input.SubnetId} is already associated with Client VPN endpoint ${endpoint.id}`,
        );
      }
      const association: Association = {
        associationId: s.newId('cvpn-assoc'),
        subnetId: input.SubnetId,
        createdAt: s.clock.nowMs(),
      };
      endpoint.associations.push(association);
      return { AssociationId: association.associationId, Status: { Code: 'associating' } };
    },

    DescribeClientVpnTargetNetworks: (input: { ClientVpnEndpointId?: string }) => {
      const endpoint = s.endpoint(input.ClientVpnEndpointId, 'DescribeClientVpnTargetNetworks');
      return {
        ClientVpnTargetNetworks: endpoint.associations.map((a) => ({
          AssociationId: a.associationId,
          ClientVpnEndpointId: endpoint.id,
          TargetNetworkId: a.subnetId,
          VpcId: endpoint.vpcId,
          Status: { Code: s.settled(a, s.delays.association) ? 'associated' : 'associating' },
        })),
      };
    },
  };
}

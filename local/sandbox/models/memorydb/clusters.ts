import {
  InvalidACLStateFault,
  InvalidClusterStateFault,
  InvalidParameterCombinationException,
  InvalidParameterValueException,
  NoOperationFault,
} from '@aws-sdk/client-memorydb';
import { serviceFault } from '../../service-error.js';
import { oneOrAll } from '../cache-rbac-model-helpers.js';
import { OPEN_ACCESS_ACL, paginate, type MemoryDbState } from './state.js';

/** DescribeClusters, UpdateCluster. */
export function clusterCommands(s: MemoryDbState) {
  return {
    DescribeClusters: (input: {
      ClusterName?: string;
      ShowShardDetails?: boolean;
      MaxResults?: number;
      NextToken?: string;
    }) =>
      s.settled(() => {
        const clusters = oneOrAll(input.ClusterName, (name) => s.findCluster(name), s.clusters);
        const { page, nextToken } = paginate(clusters, input, InvalidParameterValueException);
        return { Clusters: page.map((c) => s.clusterView(c)), NextToken: nextToken };
      }),

    UpdateCluster: (input: { ClusterName?: string; ACLName?: string; [other: string]: unknown }) =>
      s.settled(() => {
        const cluster = s.findCluster(input.ClusterName);
        const other = Object.keys(input).find(
          (key) => key !== 'ClusterName' && key !== 'ACLName' && input[key] !== undefined,
        );
        if (other) {
          throw serviceFault(
            InvalidParameterValueException,
            `sandbox: UpdateCluster ${other} is not modelled.`,
          );
        }
        if (input.ACLName === undefined) {
          throw serviceFault(InvalidParameterCombinationException, 'No modifications were requested.');
        }
        if (cluster.status !== 'available') {
          throw serviceFault(
            InvalidClusterStateFault,
            `Cluster ${cluster.name} is ${cluster.status}, not available.`,
          );
        }
        const acl = s.findAcl(input.ACLName);
        if (acl.status !== 'active') {
          throw serviceFault(InvalidACLStateFault, `ACL ${acl.name} is ${acl.status}, not active.`);
        }
        if (acl.name !== OPEN_ACCESS_ACL && !cluster.tlsEnabled) {
          throw serviceFault(
            InvalidParameterCombinationException,
            `Cluster ${cluster.name} has TLS disabled; only the open-access ACL can be used without TLS.`,
          );
        }
        if (acl.name === cluster.aclName) {
          throw serviceFault(NoOperationFault, `Cluster ${cluster.name} already uses ACL ${acl.name}.`);
        }
        cluster.status = 'updating';
        cluster.aclToApply = acl.name;
        cluster.pending = {
          readyAt: s.clock.nowMs() + s.delays.clusterUpdate,
          apply: () => {
            cluster.aclName = acl.name;
            delete cluster.aclToApply;
            cluster.status = 'available';
          },
        };
        return { Cluster: s.clusterView(cluster) };
      }),
  };
}

/** Test and demo set-up: an `available` cluster on `aclName` (default `open-access`). */
export function seedCluster(
  s: MemoryDbState,
  spec: {
    name: string;
    tlsEnabled?: boolean;
    aclName?: string;
    engine?: 'redis' | 'valkey';
  },
): void {
  const aclName = spec.aclName ?? OPEN_ACCESS_ACL;
  const tlsEnabled = spec.tlsEnabled ?? true;
  s.findAcl(aclName);
  if (aclName !== OPEN_ACCESS_ACL && !tlsEnabled) {
    throw serviceFault(
      InvalidParameterCombinationException,
      'Only the open-access ACL can be used without TLS.',
    );
  }
  s.clusters.set(spec.name, {
    name: spec.name,
    engine: spec.engine ?? 'redis',
    tlsEnabled,
    aclName,
    status: 'available',
  });
}

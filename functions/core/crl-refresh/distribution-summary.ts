/** What happened on one endpoint in a revoke or refresh run (the Map iteration's result). */
export interface EndpointOutcome {
  readonly endpointId: string;
  readonly status: 'updated' | 'unchanged' | 'deferred' | 'behind';
  readonly terminatedConnectionIds?: readonly string[];
  readonly reasons?: readonly string[];
  readonly error?: string;
}

export interface DistributionSummary {
  readonly updatedEndpoints: string[];
  readonly unchangedEndpoints: string[];
  readonly deferredEndpoints: string[];
  /** Endpoints left on an older CRL: the next refresh (or a rerun) repairs them. */
  readonly behindEndpoints: { endpointId: string; error: string }[];
  readonly terminatedConnectionIds: string[];
}

export function summarizeDistribution(outcomes: readonly EndpointOutcome[]): DistributionSummary {
  const ids = (status: EndpointOutcome['status']) =>
    outcomes.filter((o) => o.status === status).map((o) => o.endpointId);
  return {
    updatedEndpoints: ids('updated'),
    unchangedEndpoints: ids('unchanged'),
    deferredEndpoints: ids('deferred'),
    behindEndpoints: outcomes
      .filter((o) => o.status === 'behind')
      .map((o) => ({ endpointId: o.endpointId, error: o.error ?? 'unknown error' })),
    terminatedConnectionIds: outcomes.flatMap((o) => o.terminatedConnectionIds ?? []),
  };
}

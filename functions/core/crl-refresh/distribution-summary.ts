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
  /** Endpoints left on an older CRL (after the run's retries): the next refresh or a rerun repairs them. */
  readonly behindEndpoints: { endpointId: string; region: string; error: string }[];
  /** Per region of the run's endpoints, how many were left behind (zeros included: alarms see every run). */
  readonly behindByRegion: Record<string, number>;
  readonly terminatedConnectionIds: string[];
}

/**
 * One run's outcome over every endpoint. `regionOf` places an endpoint (from the deployed
 * configuration), so a region that is down shows as that region's endpoints all behind while the
 * others report updated.
 */
export function summarizeDistribution(
  outcomes: readonly EndpointOutcome[],
  regionOf: (endpointId: string) => string,
): DistributionSummary {
  const behind = outcomes.filter((o) => o.status === 'behind');
  const behindByRegion: Record<string, number> = {};
  for (const o of outcomes) behindByRegion[regionOf(o.endpointId)] ??= 0;
  for (const o of behind) behindByRegion[regionOf(o.endpointId)]! += 1;
  const ids = (status: EndpointOutcome['status']) =>
    outcomes.filter((o) => o.status === status).map((o) => o.endpointId);
  return {
    updatedEndpoints: ids('updated'),
    unchangedEndpoints: ids('unchanged'),
    deferredEndpoints: ids('deferred'),
    behindEndpoints: behind.map((o) => ({
      endpointId: o.endpointId,
      region: regionOf(o.endpointId),
      error: o.error ?? 'unknown error',
    })),
    behindByRegion,
    terminatedConnectionIds: outcomes.flatMap((o) => o.terminatedConnectionIds ?? []),
  };
}

import { CloudWatchClient, PutMetricDataCommand, StandardUnit } from '@aws-sdk/client-cloudwatch';
import { createAwsClient } from './clients.js';

let client: CloudWatchClient | undefined;
const cloudWatch = () => (client ??= createAwsClient(CloudWatchClient, {}));

/** The namespace of cachegate's operational metrics (alarms refer to it). */
export const METRICS_NAMESPACE = 'cachegate';
export const DAYS_UNTIL_CRL_EXPIRY = 'DaysUntilCrlExpiry';

/** One PutMetricData call in cachegate's namespace: a datum per value of the metric's one dimension. */
async function putMetric(
  metric: { name: string; dimension: string; unit: StandardUnit },
  values: [dimensionValue: string, value: number][],
  at: Date,
): Promise<void> {
  await cloudWatch().send(
    new PutMetricDataCommand({
      Namespace: METRICS_NAMESPACE,
      MetricData: values.map(([dimensionValue, value]) => ({
        MetricName: metric.name,
        Dimensions: [{ Name: metric.dimension, Value: dimensionValue }],
        Value: value,
        Unit: metric.unit,
        Timestamp: at,
      })),
    }),
  );
}

/**
 * Publishes days until the CRL in force on a Client VPN endpoint expires (dimension
 * `ClientVpnEndpointId`). PutMetricData rather than an EMF log line: the value must be recorded
 * even when the function's logs are not parsed for metrics, and the alarm needs exactly this series.
 */
export async function putDaysUntilCrlExpiry(endpointId: string, days: number, at: Date): Promise<void> {
  await putMetric(
    { name: DAYS_UNTIL_CRL_EXPIRY, dimension: 'ClientVpnEndpointId', unit: StandardUnit.None },
    [[endpointId, days]],
    at,
  );
}

export const CRL_ENDPOINTS_BEHIND = 'CrlEndpointsBehind';

/**
 * After each revoke or refresh run: per region (dimension `Region`), how many endpoints the run
 * left on an older CRL — a region that is down shows here and its alarm fires, while the other
 * regions publish 0.
 */
export async function putCrlEndpointsBehind(byRegion: Record<string, number>, at: Date): Promise<void> {
  const regions = Object.entries(byRegion);
  if (regions.length === 0) return;
  await putMetric({ name: CRL_ENDPOINTS_BEHIND, dimension: 'Region', unit: StandardUnit.Count }, regions, at);
}

export const POSTURE_FINDINGS = 'PostureFindings';

/** Publishes the count of posture findings per severity (dimension `Severity`), zeros included, so alarms see every period. */
export async function putPostureFindings(counts: Record<string, number>, at: Date): Promise<void> {
  await putMetric(
    { name: POSTURE_FINDINGS, dimension: 'Severity', unit: StandardUnit.Count },
    Object.entries(counts),
    at,
  );
}

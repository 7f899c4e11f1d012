import type { ServiceModel } from '../sandbox.js';

export interface RecordedMetric {
  namespace: string;
  name: string;
  value: number;
  unit?: string;
  dimensions: Record<string, string>;
}

/** CloudWatch `PutMetricData`, recorded so tests and the demo can read what was published. */
export class CloudWatchModel implements ServiceModel {
  readonly serviceId = 'CloudWatch';
  readonly metrics: RecordedMetric[] = [];

  readonly commands = {
    PutMetricData: (input: {
      Namespace: string;
      MetricData: {
        MetricName: string;
        Value?: number;
        Unit?: string;
        Dimensions?: { Name: string; Value: string }[];
      }[];
    }) => {
      for (const datum of input.MetricData) {
        this.metrics.push({
          namespace: input.Namespace,
          name: datum.MetricName,
          value: datum.Value ?? 0,
          unit: datum.Unit,
          dimensions: Object.fromEntries((datum.Dimensions ?? []).map((d) => [d.Name, d.Value])),
        });
      }
      return {};
    },
  };
}

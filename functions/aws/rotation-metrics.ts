import { CloudWatchClient, PutMetricDataCommand, StandardUnit } from '@aws-sdk/client-cloudwatch';
import type { RotationSummary } from '../core/rotation/selection.js';
import { createAwsClient } from './clients.js';

let client: CloudWatchClient | undefined;
const cloudWatch = () => (client ??= createAwsClient(CloudWatchClient, {}));

/** rotate-all's outcome as CloudWatch metrics (namespace `cachegate`): rotated, failed, skipped users. */
export async function publishRotationMetrics(summary: RotationSummary): Promise<void> {
  const dimensions = [{ Name: 'Workflow', Value: 'rotate-all' }];
  await cloudWatch().send(
    new PutMetricDataCommand({
      Namespace: 'cachegate',
      MetricData: [
        {
          MetricName: 'UsersRotated',
          Value: summary.rotated,
          Unit: StandardUnit.Count,
          Dimensions: dimensions,
        },
        {
          MetricName: 'UserRotationsFailed',
          Value: summary.failed,
          Unit: StandardUnit.Count,
          Dimensions: dimensions,
        },
        {
          MetricName: 'UserRotationsSkipped',
          Value: summary.skipped,
          Unit: StandardUnit.Count,
          Dimensions: dimensions,
        },
      ],
    }),
  );
}

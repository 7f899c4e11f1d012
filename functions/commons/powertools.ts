import { Logger } from '@aws-lambda-powertools/logger';

/**
 * One Logger for every cachegate function (service name `cachegate`). No Powertools Metrics: the
 * metrics cachegate publishes go through CloudWatch's PutMetricData in their adapters
 * (functions/aws/cloudwatch-metrics.ts, rotation-metrics.ts), and Metrics' middleware only logged
 * "No application metrics to publish" at WARN after every invocation of every function.
 */
export const serviceName = process.env.POWERTOOLS_SERVICE_NAME ?? 'cachegate';
export const logger = new Logger({ serviceName });

import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';

/** One Logger and one Metrics for every cachegate function (service name `cachegate`). */
export const serviceName = process.env.POWERTOOLS_SERVICE_NAME ?? 'cachegate';
export const logger = new Logger({ serviceName });
// Metrics' own warnings go through our Logger, so they follow its level and JSON format.
export const metrics = new Metrics({ namespace: 'cachegate', serviceName, logger });

import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';

/** One Logger, Tracer and Metrics for every cachegate function (service name `cachegate`). */
export const serviceName = process.env.POWERTOOLS_SERVICE_NAME ?? 'cachegate';
export const logger = new Logger({ serviceName });
export const tracer = new Tracer({ serviceName });
// Metrics' own warnings go through our Logger, so they follow its level and JSON format.
export const metrics = new Metrics({ namespace: 'cachegate', serviceName, logger });

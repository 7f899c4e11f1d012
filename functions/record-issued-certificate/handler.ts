import * as z from 'zod/mini';
import { DynamoDbCertIndex } from '../aws/dynamodb-cert-index.js';
import { lambdaHandler } from '../commons/lambda-handler.js';
import { logger } from '../commons/powertools.js';

const inputSchema = z.object({
  requestId: z.string().check(z.minLength(1)),
  notAfter: z.iso.datetime(),
});

/** Writes the issued certificate into the DynamoDB index (valid, with its expiry); applied once. */
export const handler = lambdaHandler(inputSchema, async ({ requestId, notAfter }) => {
  const { entry, changed } = await new DynamoDbCertIndex().record(requestId, new Date(notAfter));
  logger.info('certificate recorded in the index', { requestId, serial: entry.serial, changed });
  return { serial: entry.serial, commonName: entry.commonName, changed };
});

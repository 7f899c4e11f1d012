import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import type { Context } from 'aws-lambda';
import { createAwsClient } from '../aws/clients.js';
import { IDEMPOTENCY_TABLE, tableName } from '../aws/table-definitions.js';

let persistenceStore: DynamoDBPersistenceLayer | undefined;

function store(): DynamoDBPersistenceLayer {
  persistenceStore ??= new DynamoDBPersistenceLayer({
    tableName: tableName(IDEMPOTENCY_TABLE),
    awsSdkV3Client: createAwsClient(DynamoDBClient, {}),
  });
  return persistenceStore;
}

/**
 * Wraps the side-effecting part of a handler (not the whole handler) with Powertools
 * idempotency on DynamoDB: a retried invocation with the same key gets the first result back
 * instead of repeating the side effect. `keyPath` is a JMESPath into the function's argument.
 * Call `idempotent.registerContext(context)` in the handler so an in-flight record expires
 * with the invocation's remaining time.
 */
export function idempotentStep<A extends Record<string, unknown>, R>(
  fn: (input: A) => Promise<R>,
  options: { keyPath: string; expiresAfterSeconds?: number },
): { run: (input: A) => Promise<R>; registerContext: (context: Context) => void } {
  const config = new IdempotencyConfig({
    eventKeyJmesPath: options.keyPath,
    expiresAfterSeconds: options.expiresAfterSeconds ?? 86_400,
    throwOnNoIdempotencyKey: true,
  });
  const run = makeIdempotent(fn, { persistenceStore: store(), config }) as (input: A) => Promise<R>;
  return { run, registerContext: (context) => config.registerLambdaContext(context) };
}

/**
 * DynamoDB tables, defined once: the CDK stack creates them and the sandbox creates the same
 * ones in dynalite, so key names never drift between AWS and local runs.
 */
export interface TableDefinition {
  /** Logical name; the physical name comes from the environment variable `envVar`. */
  logicalName: string;
  envVar: string;
  localName: string;
  partitionKey: string;
  timeToLiveAttribute?: string;
}

export const ACCESS_REQUESTS_TABLE: TableDefinition = {
  logicalName: 'AccessRequests',
  envVar: 'ACCESS_REQUESTS_TABLE',
  localName: 'cachegate-access-requests',
  partitionKey: 'pk',
  timeToLiveAttribute: 'expiresAt',
};

export const IDEMPOTENCY_TABLE: TableDefinition = {
  logicalName: 'Idempotency',
  envVar: 'IDEMPOTENCY_TABLE',
  localName: 'cachegate-idempotency',
  partitionKey: 'id',
  timeToLiveAttribute: 'expiration',
};

export const ALL_TABLES = [ACCESS_REQUESTS_TABLE, IDEMPOTENCY_TABLE];

export function tableName(table: TableDefinition): string {
  return process.env[table.envVar] ?? table.localName;
}

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

/**
 * What the access-requests table's partition keys start with. IAM grants by prefix
 * (`dynamodb:LeadingKeys`), so the API functions that need no task token cannot read an
 * approval item at all.
 */
export const ACCESS_REQUEST_ITEMS = {
  request: 'REQUEST#',
  approval: 'APPROVAL#',
  idempotencyClaim: 'IDEMPOTENCY#',
  slackRequest: 'SLACK-REQUEST#',
} as const;

/** One lock item per user while a password rotation runs (functions/aws/rotation-lock.ts). */
export const ROTATION_LOCKS_TABLE: TableDefinition = {
  logicalName: 'RotationLocks',
  envVar: 'ROTATION_LOCKS_TABLE',
  localName: 'cachegate-rotation-locks',
  partitionKey: 'userId',
  timeToLiveAttribute: 'expiresAt',
};

/** Published CRLs (DER, in chunks under DynamoDB's 400 KB item limit) and the latest pointer. */
export const CRL_STORE_TABLE: TableDefinition = {
  logicalName: 'CrlStore',
  envVar: 'CRL_STORE_TABLE',
  localName: 'cachegate-crl-store',
  partitionKey: 'pk',
};

/**
 * The certificate index in the cloud (functions/aws/dynamodb-cert-index.ts): one item per
 * certificate (`CERT#<serial>`), one per common name holding a valid certificate (`CN#<cn>`), one
 * per issuance request (`REQ#<requestId>`), and the CRL-number counter (`COUNTER#crl-number`).
 */
export const CERTIFICATES_TABLE: TableDefinition = {
  logicalName: 'Certificates',
  envVar: 'CERTIFICATES_TABLE',
  localName: 'cachegate-certificates',
  partitionKey: 'pk',
};

export const ALL_TABLES = [ACCESS_REQUESTS_TABLE, ROTATION_LOCKS_TABLE, CRL_STORE_TABLE, CERTIFICATES_TABLE];

export function tableName(table: TableDefinition): string {
  return process.env[table.envVar] ?? table.localName;
}

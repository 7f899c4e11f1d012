import {
  CreateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  InvalidRequestException,
  ListSecretVersionIdsCommand,
  PutSecretValueCommand,
  ResourceExistsException,
  ResourceNotFoundException,
  RestoreSecretCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { ConflictError } from '../core/errors.js';
import { createAwsClient } from './clients.js';

const clients = new Map<string, SecretsManagerClient>();
/** The client for `region`, or for the default region (the function's own) when undefined. */
const secretsManager = (region?: string): SecretsManagerClient => {
  let client = clients.get(region ?? '');
  if (!client) {
    client = createAwsClient(SecretsManagerClient, region === undefined ? {} : { region });
    clients.set(region ?? '', client);
  }
  return client;
};

/** What a workflow carries instead of a secret: where it is and which version. */
export interface SecretVersionRef {
  arn: string;
  versionId: string;
}

export interface SecretDescription {
  arn: string;
  name: string;
  tags: Record<string, string>;
  /** Set while the secret is scheduled for deletion. */
  deletionDate?: Date;
  versionStages: Record<string, string[]>;
}

export async function describeSecret(secretId: string): Promise<SecretDescription | undefined> {
  try {
    const secret = await secretsManager().send(new DescribeSecretCommand({ SecretId: secretId }));
    return {
      arn: secret.ARN ?? '',
      name: secret.Name ?? '',
      tags: Object.fromEntries((secret.Tags ?? []).map((t) => [t.Key ?? '', t.Value ?? ''])),
      ...(secret.DeletedDate ? { deletionDate: secret.DeletedDate } : {}),
      versionStages: secret.VersionIdsToStages ?? {},
    };
  } catch (error) {
    if (error instanceof ResourceNotFoundException) return undefined;
    throw error;
  }
}

export interface StoreSecretRequest {
  name: string;
  value: string;
  /** Version ID of the new value; the same token on a retry means "the same version". */
  clientRequestToken: string;
  tags: Record<string, string>;
  description?: string;
  /** Staging labels of the new version (default AWSCURRENT); rotation stores AWSPENDING. */
  versionStages?: string[];
  /** Only a secret these tags mark as ours may get a new version. */
  owns: (tags: Record<string, string>) => boolean;
}

/**
 * Stores `value` as the version `clientRequestToken` of secret `name`, creating the secret if
 * needed (restoring it if it was scheduled for deletion). Safe to retry: when the version exists
 * already — e.g. the step crashed after storing and generated another value on the retry — the
 * stored version wins and its reference is returned. Errors never include the value.
 */
export async function storeSecretVersion(request: StoreSecretRequest): Promise<SecretVersionRef> {
  let existing = await describeSecret(request.name);
  if (!existing) {
    try {
      const created = await secretsManager().send(
        new CreateSecretCommand({
          Name: request.name,
          SecretString: request.value,
          ClientRequestToken: request.clientRequestToken,
          Description: request.description,
          Tags: Object.entries(request.tags).map(([Key, Value]) => ({ Key, Value })),
        }),
      );
      if (!request.versionStages)
        return { arn: created.ARN ?? '', versionId: created.VersionId ?? request.clientRequestToken };
      existing = await describeSecret(request.name);
    } catch (error) {
      if (!(error instanceof ResourceExistsException)) throw error;
      existing = await describeSecret(request.name);
    }
    if (!existing) throw new ConflictError(`secret ${request.name} vanished while it was being stored`);
  }
  if (!request.owns(existing.tags)) {
    throw new ConflictError(`secret ${request.name} exists and is not managed by cachegate for this owner`);
  }
  if (existing.deletionDate)
    await secretsManager().send(new RestoreSecretCommand({ SecretId: existing.arn }));
  try {
    const put = await secretsManager().send(
      new PutSecretValueCommand({
        SecretId: existing.arn,
        SecretString: request.value,
        ClientRequestToken: request.clientRequestToken,
        ...(request.versionStages ? { VersionStages: request.versionStages } : {}),
      }),
    );
    return { arn: existing.arn, versionId: put.VersionId ?? request.clientRequestToken };
  } catch (error) {
    // The version exists with another value: an earlier attempt of this same request stored it.
    if (error instanceof ResourceExistsException)
      return { arn: existing.arn, versionId: request.clientRequestToken };
    throw error;
  }
}

/**
 * Puts `value` as a new `AWSCURRENT` version of an existing secret (the stack's CA certificate
 * secret, which CloudFormation creates with a placeholder). Errors never include the value.
 */
export async function putSecretString(secretId: string, value: string): Promise<void> {
  await secretsManager().send(new PutSecretValueCommand({ SecretId: secretId, SecretString: value }));
}

/** Reads one version of a secret (by version ID, never "whatever is current"). */
export async function readSecretVersion(ref: SecretVersionRef): Promise<string> {
  const { SecretString } = await secretsManager().send(
    new GetSecretValueCommand({ SecretId: ref.arn, VersionId: ref.versionId }),
  );
  if (SecretString === undefined)
    throw new ConflictError(`secret ${ref.arn} version ${ref.versionId} holds no string`);
  return SecretString;
}

/**
 * The secret's `AWSCURRENT` value and the ID of that version (so later steps read exactly it),
 * or undefined when the secret is missing, deleted or holds no string. `region` reads a secret
 * of another region (the operator CLI's `--secret-id <ARN>`).
 */
export async function readCurrentSecretVersion(
  secretId: string,
  region?: string,
): Promise<(SecretVersionRef & { value: string }) | undefined> {
  try {
    const { ARN, VersionId, SecretString } = await secretsManager(region).send(
      new GetSecretValueCommand({ SecretId: secretId }),
    );
    if (SecretString === undefined || ARN === undefined || VersionId === undefined) return undefined;
    return { arn: ARN, versionId: VersionId, value: SecretString };
  } catch (error) {
    if (error instanceof ResourceNotFoundException || error instanceof InvalidRequestException)
      return undefined;
    throw error;
  }
}

/**
 * Schedules the secret for deletion after the recovery window (7–30 days), during which it can
 * be restored. Returns the deletion date, or undefined when there is no such secret. Repeating
 * the call keeps the first date.
 */
export async function scheduleSecretDeletion(
  secretId: string,
  recoveryWindowInDays = 7,
): Promise<Date | undefined> {
  try {
    const { DeletionDate } = await secretsManager().send(
      new DeleteSecretCommand({ SecretId: secretId, RecoveryWindowInDays: recoveryWindowInDays }),
    );
    return DeletionDate;
  } catch (error) {
    if (error instanceof ResourceNotFoundException) return undefined;
    throw error;
  }
}

export interface SecretVersionInfo {
  versionId: string;
  stages: string[];
  created?: Date;
}

/** The secret's labelled versions with their creation times (no values); all pages. */
export async function listSecretVersions(secretId: string): Promise<SecretVersionInfo[]> {
  const versions: SecretVersionInfo[] = [];
  let nextToken: string | undefined;
  do {
    const page = await secretsManager().send(
      new ListSecretVersionIdsCommand({ SecretId: secretId, NextToken: nextToken }),
    );
    for (const version of page.Versions ?? []) {
      versions.push({
        versionId: version.VersionId ?? '',
        stages: version.VersionStages ?? [],
        ...(version.CreatedDate ? { created: version.CreatedDate } : {}),
      });
    }
    nextToken = page.NextToken;
  } while (nextToken);
  return versions;
}

import { randomBytes, randomUUID } from 'node:crypto';
import {
  InvalidParameterException,
  InvalidRequestException,
  ResourceExistsException,
  ResourceNotFoundException,
} from '@aws-sdk/client-secrets-manager';
import type { SandboxClock } from '../clock.js';
import type { ServiceModel } from '../sandbox.js';
import { serviceFault } from '../service-error.js';

const CURRENT = 'AWSCURRENT';
const PREVIOUS = 'AWSPREVIOUS';
const NAME_PATTERN = /^[A-Za-z0-9/_+=.@-]{1,512}$/;
const MAX_SECRET_BYTES = 65_536;

interface SecretVersion {
  versionId: string;
  secretString: string;
  stages: Set<string>;
  createdDate: Date;
}

interface Secret {
  arn: string;
  name: string;
  description?: string;
  kmsKeyId?: string;
  tags: Map<string, string>;
  versions: Map<string, SecretVersion>;
  createdDate: Date;
  lastChangedDate: Date;
  deletedDate?: Date;
}

type Tag = { Key?: string; Value?: string };

/**
 * AWS Secrets Manager as documented: version IDs (= ClientRequestToken), staging labels that
 * belong to exactly one version, AWSCURRENT → AWSPREVIOUS hand-over, idempotent retries with the
 * same token, deletion with a recovery window. Error messages never contain a secret value.
 */
export class SecretsManagerModel implements ServiceModel {
  readonly serviceId = 'Secrets Manager';
  private readonly secrets = new Map<string, Secret>();

  constructor(
    private readonly clock: SandboxClock,
    private readonly region = 'us-east-1',
    private readonly accountId = '000000000000',
  ) {}

  readonly commands = {
    CreateSecret: (input: {
      Name: string;
      SecretString?: string;
      ClientRequestToken?: string;
      Description?: string;
      KmsKeyId?: string;
      Tags?: Tag[];
    }) => {
      if (!input.Name || !NAME_PATTERN.test(input.Name)) {
        throw serviceFault(
          InvalidParameterException,
          'Invalid name. Must be 1-512 characters of [A-Za-z0-9/_+=.@-].',
        );
      }
      const existing = this.secrets.get(input.Name);
      if (existing) {
        if (existing.deletedDate) {
          throw serviceFault(
            InvalidRequestException,
            "You can't create this secret because a secret with this name is already scheduled for deletion.",
          );
        }
        const retried = input.ClientRequestToken && existing.versions.get(input.ClientRequestToken);
        if (retried && retried.secretString === input.SecretString) {
          return { ARN: existing.arn, Name: existing.name, VersionId: retried.versionId };
        }
        throw serviceFault(
          ResourceExistsException,
          `The operation failed because the secret ${input.Name} already exists.`,
        );
      }
      const now = this.clock.now();
      const secret: Secret = {
        arn: `arn:aws:secretsmanager:${this.region}:${this.accountId}:secret:${input.Name}-${randomBytes(3).toString('hex')}`,
        name: input.Name,
        description: input.Description,
        kmsKeyId: input.KmsKeyId,
        tags: new Map((input.Tags ?? []).map((t) => [t.Key ?? '', t.Value ?? ''])),
        versions: new Map(),
        createdDate: now,
        lastChangedDate: now,
      };
      this.secrets.set(secret.name, secret);
      if (input.SecretString === undefined) return { ARN: secret.arn, Name: secret.name };
      const version = this.addVersion(secret, input.ClientRequestToken, input.SecretString, [CURRENT]);
      return { ARN: secret.arn, Name: secret.name, VersionId: version.versionId };
    },

    PutSecretValue: (input: {
      SecretId: string;
      SecretString?: string;
      ClientRequestToken?: string;
      VersionStages?: string[];
    }) => {
      const secret = this.live(input.SecretId);
      if (input.SecretString === undefined) {
        throw serviceFault(
          InvalidParameterException,
          'You must provide either SecretString or SecretBinary.',
        );
      }
      const retried = input.ClientRequestToken ? secret.versions.get(input.ClientRequestToken) : undefined;
      if (retried) {
        if (retried.secretString !== input.SecretString) {
          throw serviceFault(
            ResourceExistsException,
            `A version with VersionId ${retried.versionId} already exists and it has a different value; use a new ClientRequestToken.`,
          );
        }
        return {
          ARN: secret.arn,
          Name: secret.name,
          VersionId: retried.versionId,
          VersionStages: [...retried.stages],
        };
      }
      const version = this.addVersion(
        secret,
        input.ClientRequestToken,
        input.SecretString,
        input.VersionStages ?? [CURRENT],
      );
      return {
        ARN: secret.arn,
        Name: secret.name,
        VersionId: version.versionId,
        VersionStages: [...version.stages],
      };
    },

    GetSecretValue: (input: { SecretId: string; VersionId?: string; VersionStage?: string }) => {
      const secret = this.live(input.SecretId);
      const version = this.findVersion(
        secret,
        input.VersionId,
        input.VersionId ? input.VersionStage : (input.VersionStage ?? CURRENT),
      );
      return {
        ARN: secret.arn,
        Name: secret.name,
        VersionId: version.versionId,
        SecretString: version.secretString,
        VersionStages: [...version.stages],
        CreatedDate: version.createdDate,
      };
    },

    UpdateSecretVersionStage: (input: {
      SecretId: string;
      VersionStage: string;
      MoveToVersionId?: string;
      RemoveFromVersionId?: string;
    }) => {
      const secret = this.live(input.SecretId);
      const holder = [...secret.versions.values()].find((v) => v.stages.has(input.VersionStage));
      const target = input.MoveToVersionId
        ? this.findVersion(secret, input.MoveToVersionId, undefined)
        : undefined;
      if (input.RemoveFromVersionId) this.findVersion(secret, input.RemoveFromVersionId, undefined);
      if (holder && holder !== target && input.RemoveFromVersionId !== holder.versionId) {
        throw serviceFault(
          InvalidParameterException,
          `The parameter RemoveFromVersionId can't be empty. Staging label ${input.VersionStage} is currently attached to version ${holder.versionId}, so you must explicitly reference that version in RemoveFromVersionId.`,
        );
      }
      if (!target && input.VersionStage === CURRENT) {
        throw serviceFault(
          InvalidParameterException,
          `You can't remove the staging label ${CURRENT} without moving it to another version.`,
        );
      }
      if (target) {
        this.moveStage(secret, input.VersionStage, target);
      } else if (holder) {
        holder.stages.delete(input.VersionStage);
      }
      secret.lastChangedDate = this.clock.now();
      return { ARN: secret.arn, Name: secret.name };
    },

    DescribeSecret: (input: { SecretId: string }) => {
      const secret = this.find(input.SecretId);
      return {
        ARN: secret.arn,
        Name: secret.name,
        Description: secret.description,
        KmsKeyId: secret.kmsKeyId,
        RotationEnabled: false,
        Tags: [...secret.tags].map(([Key, Value]) => ({ Key, Value })),
        VersionIdsToStages: Object.fromEntries(
          [...secret.versions.values()]
            .filter((v) => v.stages.size > 0)
            .map((v) => [v.versionId, [...v.stages]]),
        ),
        CreatedDate: secret.createdDate,
        LastChangedDate: secret.lastChangedDate,
        DeletedDate: secret.deletedDate,
      };
    },

    ListSecretVersionIds: (input: { SecretId: string; IncludeDeprecated?: boolean }) => {
      const secret = this.find(input.SecretId);
      const versions = [...secret.versions.values()].filter(
        (v) => input.IncludeDeprecated || v.stages.size > 0,
      );
      return {
        ARN: secret.arn,
        Name: secret.name,
        Versions: versions.map((v) => ({
          VersionId: v.versionId,
          VersionStages: [...v.stages],
          CreatedDate: v.createdDate,
        })),
      };
    },

    ListSecrets: (input: { Filters?: { Key?: string; Values?: string[] }[] }) => {
      const matches = [...this.secrets.values()].filter((s) => {
        this.purgeIfExpired(s);
        return this.secrets.has(s.name) && !s.deletedDate;
      });
      const filtered = matches.filter((s) =>
        (input.Filters ?? []).every((f) => {
          const values = f.Values ?? [];
          if (f.Key === 'name') return values.some((v) => s.name.startsWith(v));
          if (f.Key === 'tag-key') return values.some((v) => s.tags.has(v));
          if (f.Key === 'tag-value') return values.some((v) => [...s.tags.values()].includes(v));
          throw serviceFault(
            InvalidParameterException,
            `sandbox: ListSecrets filter key ${f.Key} is not modelled`,
          );
        }),
      );
      return {
        SecretList: filtered.map((s) => ({
          ARN: s.arn,
          Name: s.name,
          Tags: [...s.tags].map(([Key, Value]) => ({ Key, Value })),
        })),
      };
    },

    TagResource: (input: { SecretId: string; Tags: Tag[] }) => {
      const secret = this.live(input.SecretId);
      for (const tag of input.Tags) secret.tags.set(tag.Key ?? '', tag.Value ?? '');
      return {};
    },

    DeleteSecret: (input: {
      SecretId: string;
      RecoveryWindowInDays?: number;
      ForceDeleteWithoutRecovery?: boolean;
    }) => {
      const secret = this.find(input.SecretId);
      if (input.ForceDeleteWithoutRecovery && input.RecoveryWindowInDays !== undefined) {
        throw serviceFault(
          InvalidParameterException,
          "You can't use ForceDeleteWithoutRecovery in conjunction with RecoveryWindowInDays.",
        );
      }
      const days = input.RecoveryWindowInDays ?? 30;
      if (!input.ForceDeleteWithoutRecovery && (days < 7 || days > 30)) {
        throw serviceFault(InvalidParameterException, 'RecoveryWindowInDays must be between 7 and 30 days.');
      }
      const now = this.clock.nowMs();
      if (input.ForceDeleteWithoutRecovery) {
        this.secrets.delete(secret.name);
        return { ARN: secret.arn, Name: secret.name, DeletionDate: new Date(now) };
      }
      secret.deletedDate ??= new Date(now + days * 86_400_000);
      return { ARN: secret.arn, Name: secret.name, DeletionDate: secret.deletedDate };
    },

    RestoreSecret: (input: { SecretId: string }) => {
      const secret = this.find(input.SecretId);
      delete secret.deletedDate;
      return { ARN: secret.arn, Name: secret.name };
    },
  };

  /** Test helper: every secret string this model has ever stored (for leak scans). */
  allSecretStrings(): string[] {
    return [...this.secrets.values()].flatMap((s) => [...s.versions.values()].map((v) => v.secretString));
  }

  private addVersion(
    secret: Secret,
    token: string | undefined,
    value: string,
    stages: string[],
  ): SecretVersion {
    if (Buffer.byteLength(value) > MAX_SECRET_BYTES) {
      throw serviceFault(
        InvalidParameterException,
        `SecretString exceeds the ${MAX_SECRET_BYTES}-byte quota.`,
      );
    }
    if (token !== undefined && !/^[A-Za-z0-9-]{32,64}$/.test(token)) {
      throw serviceFault(
        InvalidParameterException,
        'ClientRequestToken must be 32-64 characters of letters, digits and hyphens.',
      );
    }
    const version: SecretVersion = {
      versionId: token ?? randomUUID(),
      secretString: value,
      stages: new Set(),
      createdDate: this.clock.now(),
    };
    secret.versions.set(version.versionId, version);
    for (const stage of stages) this.moveStage(secret, stage, version);
    secret.lastChangedDate = version.createdDate;
    return version;
  }

  /** A label lives on one version; moving AWSCURRENT hands AWSPREVIOUS to the old current. */
  private moveStage(secret: Secret, stage: string, target: SecretVersion): void {
    for (const version of secret.versions.values()) {
      if (version === target || !version.stages.has(stage)) continue;
      version.stages.delete(stage);
      if (stage === CURRENT) this.moveStage(secret, PREVIOUS, version);
    }
    target.stages.add(stage);
  }

  private findVersion(
    secret: Secret,
    versionId: string | undefined,
    stage: string | undefined,
  ): SecretVersion {
    const version = versionId
      ? secret.versions.get(versionId)
      : [...secret.versions.values()].find((v) => stage !== undefined && v.stages.has(stage));
    if (!version || (stage !== undefined && !version.stages.has(stage))) {
      throw serviceFault(
        ResourceNotFoundException,
        `Secrets Manager can't find the specified secret value for ${versionId ? `VersionId: ${versionId}` : ''}${versionId && stage ? ', ' : ''}${stage ? `staging label: ${stage}` : ''}`,
      );
    }
    return version;
  }

  private find(secretId: string): Secret {
    const secret =
      this.secrets.get(secretId) ??
      [...this.secrets.values()].find((s) => s.arn === secretId || s.arn.startsWith(`${secretId}-`));
    if (secret) this.purgeIfExpired(secret);
    if (!secret || !this.secrets.has(secret.name)) {
      throw serviceFault(ResourceNotFoundException, "Secrets Manager can't find the specified secret.");
    }
    return secret;
  }

  private live(secretId: string): Secret {
    const secret = this.find(secretId);
    if (secret.deletedDate) {
      throw serviceFault(
        InvalidRequestException,
        "You can't perform this operation on the secret because it was marked for deletion.",
      );
    }
    return secret;
  }

  private purgeIfExpired(secret: Secret): void {
    if (secret.deletedDate && secret.deletedDate.getTime() <= this.clock.nowMs())
      this.secrets.delete(secret.name);
  }
}

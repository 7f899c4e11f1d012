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
const PENDING = 'AWSPENDING';
const PREVIOUS = 'AWSPREVIOUS';
const ROTATION_STEPS = ['createSecret', 'setSecret', 'testSecret', 'finishSecret'] as const;
const NAME_PATTERN = /^[A-Za-z0-9/_+=.@-]{1,512}$/;
const MAX_SECRET_BYTES = 65_536;

interface SecretVersion {
  versionId: string;
  /** Undefined for the AWSPENDING version RotateSecret creates before the function stores a value. */
  secretString?: string;
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
  rotation?: RotationConfig;
}

interface RotationConfig {
  lambdaArn: string;
  rules?: RotationRules;
  lastRotatedDate?: Date;
}

type RotationRules = { AutomaticallyAfterDays?: number; Duration?: string; ScheduleExpression?: string };

/** What Secrets Manager sends a rotation function: one step of one rotation (version = token). */
export interface RotationEvent {
  Step: (typeof ROTATION_STEPS)[number];
  SecretId: string;
  ClientRequestToken: string;
}

export type RotationFunction = (event: RotationEvent) => Promise<unknown>;

/** How the sandbox's last attempt of a secret's rotation went (Secrets Manager runs it asynchronously). */
export interface RotationAttempt {
  versionId: string;
  /** The steps that returned, in order. */
  completed: RotationEvent['Step'][];
  /** The step that threw, with the error's name and message. */
  failed?: { step: RotationEvent['Step']; error: string };
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
  private readonly rotationFunctions = new Map<string, RotationFunction>();
  private readonly rotationAttempts = new Map<string, RotationAttempt>();

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
        throw serviceFault(InvalidRequestException, 'You must provide either SecretString or SecretBinary.');
      }
      const retried = input.ClientRequestToken ? secret.versions.get(input.ClientRequestToken) : undefined;
      if (retried && retried.secretString === undefined) {
        // The empty AWSPENDING version RotateSecret made: the rotation function's createSecret
        // stores the new value under that same token (AWS's rotation function templates do this).
        this.checkSize(input.SecretString);
        retried.secretString = input.SecretString;
        for (const stage of input.VersionStages ?? []) this.moveStage(secret, stage, retried);
        secret.lastChangedDate = this.clock.now();
      }
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
      // PutSecretValue reference: the first version of a secret always gets AWSCURRENT.
      const stages = input.VersionStages ?? [CURRENT];
      const first = secret.versions.size === 0 && !stages.includes(CURRENT);
      const version = this.addVersion(
        secret,
        input.ClientRequestToken,
        input.SecretString,
        first ? [...stages, CURRENT] : stages,
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
      if (version.secretString === undefined) {
        throw serviceFault(
          ResourceNotFoundException,
          `Secrets Manager can't find the specified secret value for VersionId: ${version.versionId}`,
        );
      }
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
        ...this.summary(secret),
        VersionIdsToStages: this.versionIdsToStages(secret),
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

    ListSecrets: (input: {
      Filters?: { Key?: string; Values?: string[] }[];
      IncludePlannedDeletion?: boolean;
    }) => {
      const listed = [...this.secrets.values()].filter((s) => {
        this.purgeIfExpired(s);
        return this.secrets.has(s.name) && (input.IncludePlannedDeletion || !s.deletedDate);
      });
      const filters = (input.Filters ?? []).map((f) => this.listFilter(f));
      return {
        SecretList: listed
          .filter((s) => filters.every((matches) => matches(s)))
          .map((s) => ({ ...this.summary(s), SecretVersionsToStages: this.versionIdsToStages(s) })),
      };
    },

    TagResource: (input: { SecretId: string; Tags: Tag[] }) => {
      const secret = this.live(input.SecretId);
      for (const tag of input.Tags) secret.tags.set(tag.Key ?? '', tag.Value ?? '');
      return {};
    },

    UntagResource: (input: { SecretId: string; TagKeys: string[] }) => {
      const secret = this.live(input.SecretId);
      for (const key of input.TagKeys) secret.tags.delete(key);
      return {};
    },

    RotateSecret: async (input: {
      SecretId: string;
      ClientRequestToken?: string;
      RotationLambdaARN?: string;
      RotationRules?: RotationRules;
      RotateImmediately?: boolean;
    }) => {
      const secret = this.live(input.SecretId);
      const lambdaArn = input.RotationLambdaARN ?? secret.rotation?.lambdaArn;
      if (!lambdaArn) {
        throw serviceFault(
          InvalidRequestException,
          'No Lambda rotation function ARN is associated with this secret; pass RotationLambdaARN.',
        );
      }
      const days = input.RotationRules?.AutomaticallyAfterDays;
      if (days !== undefined && (days < 1 || days > 1000)) {
        throw serviceFault(
          InvalidParameterException,
          'RotationRules.AutomaticallyAfterDays must be within 1-1000.',
        );
      }
      if (!this.rotationFunctions.has(lambdaArn)) {
        throw serviceFault(ResourceNotFoundException, `Resource not found for ARN '${lambdaArn}'.`);
      }
      const stages = this.versionIdsToStages(secret);
      const pending = Object.keys(stages).find((id) => stages[id]?.includes(PENDING));
      if (pending !== undefined && !stages[pending]?.includes(CURRENT)) {
        throw serviceFault(
          InvalidRequestException,
          "A previous rotation isn't complete. That rotation will be reattempted.",
        );
      }
      const token = input.ClientRequestToken ?? randomUUID();
      this.checkToken(token);
      if (secret.versions.has(token)) {
        throw serviceFault(InvalidParameterException, `A version with VersionId ${token} already exists.`);
      }
      secret.rotation = {
        ...secret.rotation,
        lambdaArn,
        ...(input.RotationRules ? { rules: input.RotationRules } : {}),
      };
      if (input.RotateImmediately === false) return { ARN: secret.arn, Name: secret.name };
      // DescribeSecret reference: the token's AWSPENDING version exists, with no value, before
      // the function's createSecret step runs.
      const version: SecretVersion = { versionId: token, stages: new Set(), createdDate: this.clock.now() };
      secret.versions.set(token, version);
      this.moveStage(secret, PENDING, version);
      await this.runRotation(secret, token);
      return { ARN: secret.arn, Name: secret.name, VersionId: token };
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
    return [...this.secrets.values()].flatMap((s) =>
      [...s.versions.values()].flatMap((v) => (v.secretString === undefined ? [] : [v.secretString])),
    );
  }

  /**
   * The sandbox's stand-in for Lambda: RotateSecret invokes the function registered under the
   * secret's RotationLambdaARN, as Secrets Manager invokes the rotation function.
   */
  registerRotationFunction(lambdaArn: string, fn: RotationFunction): void {
    this.rotationFunctions.set(lambdaArn, fn);
  }

  /** The last rotation attempt of a secret (by name or ARN); undefined if none ran. */
  lastRotation(secretId: string): RotationAttempt | undefined {
    return this.rotationAttempts.get(this.find(secretId).arn);
  }

  /**
   * Secrets Manager reattempts a failed rotation with the same token; on the sandbox's manual
   * clock a test triggers that reattempt here (after advancing the clock).
   */
  async reattemptRotation(secretId: string): Promise<RotationAttempt> {
    const secret = this.live(secretId);
    const token = [...secret.versions.values()].find((v) => v.stages.has(PENDING) && !v.stages.has(CURRENT));
    if (!token) throw new Error(`sandbox: secret ${secret.name} has no rotation in progress`);
    return this.runRotation(secret, token.versionId);
  }

  /**
   * The four steps in order, each with the secret's ARN and the token. A step that throws ends
   * the attempt: the error is recorded (RotateSecret has already answered, as on AWS, where the
   * rotation runs asynchronously) and the AWSPENDING version stays for the reattempt.
   */
  private async runRotation(secret: Secret, token: string): Promise<RotationAttempt> {
    const fn = this.rotationFunctions.get(secret.rotation?.lambdaArn ?? '');
    const attempt: RotationAttempt = { versionId: token, completed: [] };
    this.rotationAttempts.set(secret.arn, attempt);
    for (const step of ROTATION_STEPS) {
      try {
        if (!fn) throw new Error(`sandbox: no rotation function for ${secret.rotation?.lambdaArn ?? ''}`);
        await fn({ Step: step, SecretId: secret.arn, ClientRequestToken: token });
        attempt.completed.push(step);
      } catch (error) {
        attempt.failed = { step, error: `${(error as Error).name}: ${(error as Error).message}` };
        return attempt;
      }
    }
    if (secret.rotation) secret.rotation.lastRotatedDate = this.clock.now();
    return attempt;
  }

  private summary(secret: Secret) {
    return {
      ARN: secret.arn,
      Name: secret.name,
      Description: secret.description,
      KmsKeyId: secret.kmsKeyId,
      RotationEnabled: secret.rotation !== undefined,
      RotationLambdaARN: secret.rotation?.lambdaArn,
      RotationRules: secret.rotation?.rules,
      LastRotatedDate: secret.rotation?.lastRotatedDate,
      Tags: [...secret.tags].map(([Key, Value]) => ({ Key, Value })),
      CreatedDate: secret.createdDate,
      LastChangedDate: secret.lastChangedDate,
      DeletedDate: secret.deletedDate,
    };
  }

  private versionIdsToStages(secret: Secret): Record<string, string[]> {
    return Object.fromEntries(
      [...secret.versions.values()].filter((v) => v.stages.size > 0).map((v) => [v.versionId, [...v.stages]]),
    );
  }

  /**
   * One ListSecrets filter (Filter reference): prefix matches — case-sensitive except
   * description — any value may match, and a value starting with `!` excludes its matches.
   */
  private listFilter(filter: { Key?: string; Values?: string[] }): (secret: Secret) => boolean {
    const fields: Record<string, (s: Secret) => string[]> = {
      name: (s) => [s.name],
      description: (s) => [(s.description ?? '').toLowerCase()],
      'tag-key': (s) => [...s.tags.keys()],
      'tag-value': (s) => [...s.tags.values()],
    };
    const field = fields[filter.Key ?? ''];
    if (!field) {
      throw serviceFault(
        InvalidParameterException,
        `sandbox: ListSecrets filter key ${filter.Key} is not modelled`,
      );
    }
    const fold = (v: string) => (filter.Key === 'description' ? v.toLowerCase() : v);
    const values = filter.Values ?? [];
    const wanted = values.filter((v) => !v.startsWith('!')).map(fold);
    const excluded = values.filter((v) => v.startsWith('!')).map((v) => fold(v.slice(1)));
    return (secret) => {
      const has = (prefix: string) => field(secret).some((f) => f.startsWith(prefix));
      return (wanted.length === 0 || wanted.some(has)) && !excluded.some(has);
    };
  }

  private addVersion(
    secret: Secret,
    token: string | undefined,
    value: string,
    stages: string[],
  ): SecretVersion {
    this.checkSize(value);
    if (token !== undefined) this.checkToken(token);
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

  private checkSize(value: string): void {
    if (Buffer.byteLength(value) > MAX_SECRET_BYTES) {
      throw serviceFault(
        InvalidParameterException,
        `SecretString exceeds the ${MAX_SECRET_BYTES}-byte quota.`,
      );
    }
  }

  private checkToken(token: string): void {
    if (!/^[A-Za-z0-9-]{32,64}$/.test(token)) {
      throw serviceFault(
        InvalidParameterException,
        'ClientRequestToken must be 32-64 characters of letters, digits and hyphens.',
      );
    }
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

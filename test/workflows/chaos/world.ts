/**
 * Runs chaos schedules (./schedule.ts) on the real ASL through the local runner, many at once on
 * one sandbox, and checks after each schedule what must hold whatever the interleaving and the
 * faults: each existing user's AWSCURRENT authenticates (model, and a real redis-server when the
 * world has one), no user ever held more than two passwords, no live user's secret is scheduled
 * for deletion, no claim is left held, and every change has exactly one audit event.
 *
 * Schedules are independent: each has its own users and user group (named after its seed), and
 * its faults only hit calls that name them.
 */
import { GetSecretValueCommand, RotateSecretCommand } from '@aws-sdk/client-secrets-manager';
import { randomUUID } from 'node:crypto';
import { describeUser } from '../../../functions/aws/elasticache.js';
import { NATIVE_ROTATION_ACTOR } from '../../../functions/use-cases/rotation-contract.js';
import { tryAuth } from '../../../functions/aws/rotation-probe.js';
import { takeUserClaimRecovering } from '../../../functions/use-cases/claim-recovery.js';
import { releaseUserClaim } from '../../../functions/aws/user-claims.js';
import { CLAIM_HOLDERS, CLAIM_MARGIN_SECONDS } from '../../../functions/core/rbac/user-claim.js';
import { userSecretName } from '../../../functions/core/rbac/user-secret.js';
import { handler as rotateSecretHandler } from '../../../functions/rotate-secret/handler.js';
import { LocalStateMachine, type LambdaHandler } from '../../../local/runner/local-state-machine.js';
import { LambdaCrashSignal, lambdaInvocation, type ArmedFaultHandle } from '../../../local/sandbox/faults.js';
import { createSandbox, type Sandbox } from '../../../local/sandbox/index.js';
import type { ElastiCacheModel } from '../../../local/sandbox/models/elasticache/index.js';
import type { EventBridgeModel } from '../../../local/sandbox/models/eventbridge.js';
import type { SecretsManagerModel } from '../../../local/sandbox/models/secrets-manager.js';
import { seedUserWithSecret } from '../../../local/sandbox/seed-user-with-secret.js';
import { createTables } from '../../../local/sandbox/tables.js';
import type { RedisServer } from '../../interop/redis-server.js';
import { PasswordMirror, lambdaContext, secretsClient } from '../rotate-fixtures.js';
import { USERS_PER_SCHEDULE, type Operation, type Schedule } from './schedule.js';

/**
 * Simulated seconds per real second. The claims' lifetimes are simulated too (an hour and five
 * minutes for a rotation, two hours and five for onboarding): at 200 a rotation may take 19 real
 * seconds before another run may take its claim over, ample on a loaded 2-core machine, while
 * the Wait states (30 s) take 0.15 s.
 */
export const CHAOS_CLOCK_SPEED = 200;

/** How long (real milliseconds) a run of each kind holds its claim before it may be taken over. */
function claimLifetimeMs(kind: Operation['kind']): number {
  const holder =
    kind === 'onboard' ? 'onboard-user' : kind === 'offboard' ? 'offboard-user' : 'rotate-password';
  return ((CLAIM_HOLDERS[holder] + CLAIM_MARGIN_SECONDS) * 1000) / CHAOS_CLOCK_SPEED;
}

/** How often Secrets Manager reattempts a failed native rotation in a schedule. */
const NATIVE_REATTEMPTS = 12;

const ROTATION_FUNCTION_ARN = 'arn:aws:lambda:us-east-1:000000000000:function:cachegate-rotate-secret';

const WORKFLOWS = ['onboard-user', 'offboard-user', 'rotate-password', 'rotate-all'] as const;

export type ChaosPlant = 'none' | 'offboard-without-claim' | 'onboard-without-claim';

interface UserLedger {
  present: boolean;
  created: number;
  deleted: number;
  /** The versions that became AWSCURRENT of the user's secret (each one rotation). */
  promoted: string[];
  maxPasswords: number;
}

export interface ScheduleResult {
  seed: number;
  violations: string[];
  faultsFired: number;
  outcomes: string[];
  /**
   * The workflow run that came closest to outliving its claim: its real duration over its claim's
   * lifetime at the chaos clock (rotate-all counted as one rotation: its users' claims are held at
   * most that long), and what it was.
   */
  closestToExpiry: { share: number; run: string };
}

export class ChaosWorld {
  private readonly ledgers = new Map<string, UserLedger>();
  private readonly machines = new Map<string, LocalStateMachine>();
  /** Native rotations' audit events delivered a second time for one version (see the check). */
  nativeRepeats = 0;
  readonly model: ElastiCacheModel;
  readonly mirror: PasswordMirror;

  private constructor(
    readonly sandbox: Sandbox,
    readonly redis: RedisServer | undefined,
    plant: ChaosPlant,
  ) {
    this.model = sandbox.model<ElastiCacheModel>('ElastiCache');
    this.mirror = new PasswordMirror(this.model, redis).install();
    this.recordUserChanges();
    this.recordPromotions();
    const secrets = sandbox.model<SecretsManagerModel>('Secrets Manager');
    secrets.registerRotationFunction(ROTATION_FUNCTION_ARN, (event) => this.invokeRotationFunction(event));
    for (const name of WORKFLOWS) {
      const transform = plantedTransform(plant, name);
      this.machines.set(
        name,
        LocalStateMachine.load(name, {
          sandbox,
          ...(transform ? { transform } : {}),
        }),
      );
    }
  }

  static async create(options: { redis?: RedisServer; plant?: ChaosPlant } = {}): Promise<ChaosWorld> {
    const sandbox = await createSandbox({ speed: CHAOS_CLOCK_SPEED });
    await createTables();
    return new ChaosWorld(sandbox, options.redis, options.plant ?? 'none');
  }

  async close(): Promise<void> {
    this.mirror.uninstall();
    await this.sandbox.close();
  }

  static userIds(seed: number): string[] {
    return Array.from({ length: USERS_PER_SCHEDULE }, (_, i) => `s${seed}-u${i}`);
  }

  async run(schedule: Schedule, checkRedis: boolean): Promise<ScheduleResult> {
    const users = ChaosWorld.userIds(schedule.seed);
    const group = `s${schedule.seed}-group`;
    const existing = users.filter((_, i) => schedule.existing[i]);
    for (const userId of existing) {
      await seedUserWithSecret(this.sandbox, userId, { accessString: 'on ~app:* -@all +@read' });
    }
    this.model.seedUserGroup({ id: group, userIds: ['default', ...existing] });
    await this.model.settle();
    for (const userId of users) {
      this.ledgers.set(userId, {
        present: existing.includes(userId),
        created: 0,
        deleted: 0,
        promoted: [],
        maxPasswords: existing.includes(userId) ? 1 : 0,
      });
    }
    const prefix = `s${schedule.seed}-`;
    const armed: ArmedFaultHandle[] = schedule.faults.map((fault) =>
      this.sandbox.faults.inject({
        service: fault.service,
        command: fault.command,
        nth: fault.nth,
        mode: fault.mode,
        matches: (input) => JSON.stringify(input ?? {}).includes(prefix),
      }),
    );
    let closestToExpiry = { share: 0, run: '' };
    const outcomes = await Promise.all(
      schedule.operations.map(async (operation) => {
        await sleep(operation.startAfterMs);
        const started = performance.now();
        let outcome: string;
        try {
          outcome = await this.start(operation, users, group);
        } catch (error) {
          outcome = `${operation.kind}: threw ${(error as Error).name}: ${(error as Error).message}`;
        }
        const tookMs = performance.now() - started;
        // A workflow holds its claim for its whole run; a native rotation renews it at each step.
        const share = tookMs / claimLifetimeMs(operation.kind);
        if (operation.kind !== 'native-rotation' && share > closestToExpiry.share) {
          closestToExpiry = { share, run: `${operation.kind} took ${Math.round(tookMs)} ms` };
        }
        return `${outcome} (${Math.round(tookMs)} ms)`;
      }),
    );
    const faultsFired = armed.reduce((sum, handle) => sum + handle.fired(), 0);
    for (const handle of armed) handle.disarm();
    await this.model.settle();
    const violations = await this.check(users, checkRedis);
    return { seed: schedule.seed, violations, faultsFired, outcomes, closestToExpiry };
  }

  private async start(operation: Operation, users: string[], group: string): Promise<string> {
    const userId = users[operation.user] ?? '';
    const requestedBy = 'chaos';
    const run = (name: string, input: unknown) => this.machines.get(name)!.run(input);
    switch (operation.kind) {
      case 'onboard': {
        const r = await run('onboard-user', {
          userId,
          userName: userId,
          engine: 'redis',
          accessString: 'on ~app:* -@all +@read',
          userGroupIds: [group],
          requestedBy,
        });
        return `onboard ${userId}: ${r.status} ${r.error ?? ''} ${r.cause ?? ''}`;
      }
      case 'offboard': {
        const r = await run('offboard-user', { userId, requestedBy });
        return `offboard ${userId}: ${r.status} ${r.error ?? ''} ${r.cause ?? ''}`;
      }
      case 'rotate-password': {
        const r = await run('rotate-password', { userId, requestedBy });
        return `rotate-password ${userId}: ${r.status} ${r.error ?? (r.output as { status?: string }).status}`;
      }
      case 'rotate-all': {
        const r = await run('rotate-all', { selector: { userGroupId: group }, requestedBy });
        const users = (r.output as { users?: { userId: string; status: string }[] } | undefined)?.users;
        return `rotate-all: ${r.status} ${r.error ?? ''} ${JSON.stringify(users ?? [])}`;
      }
      case 'native-rotation':
        return `native-rotation ${userId}: ${await this.nativeRotation(userId)}`;
    }
  }

  /**
   * RotateSecret as a Secrets Manager rotation schedule calls it, then Secrets Manager's own
   * reattempts of a rotation that failed (same token), a simulated minute apart.
   */
  private async nativeRotation(userId: string): Promise<string> {
    const secretId = userSecretName(userId, 'elasticache');
    const secrets = this.sandbox.model<SecretsManagerModel>('Secrets Manager');
    try {
      await secretsClient().send(
        new RotateSecretCommand({
          SecretId: secretId,
          RotationLambdaARN: ROTATION_FUNCTION_ARN,
          ClientRequestToken: randomUUID(),
        }),
      );
    } catch (error) {
      return `RotateSecret refused: ${(error as Error).name}`;
    }
    for (let attempt = 0; ; attempt += 1) {
      const last = secrets.lastRotation(secretId);
      if (!last?.failed) return 'rotated';
      if (attempt >= NATIVE_REATTEMPTS) return `gave up after ${attempt} reattempts: ${last.failed.error}`;
      await sleep(this.sandbox.clock.realMsFor(60_000));
      try {
        await secrets.reattemptRotation(secretId);
      } catch (error) {
        // The secret was deleted, or another run completed the rotation's version: nothing to retry.
        return `reattempt ended: ${(error as Error).message}`;
      }
    }
  }

  /**
   * The rotation function as Lambda runs it for Secrets Manager, with the local runner's timeout
   * rule: its own work has real time, and once an injected hang holds it, a second (its 60 s at
   * the chaos clock, at least a second) until it times out. A crash or a timeout fails the step.
   */
  private async invokeRotationFunction(event: unknown): Promise<void> {
    let deadline = performance.now() + 30_000;
    let timer: NodeJS.Timeout | undefined;
    let timeOut: () => void = () => undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timeOut = () => reject(new Error('Task timed out after 60.00 seconds'));
      timer = setTimeout(timeOut, deadline - performance.now());
    });
    const hung = () => {
      deadline = Math.min(deadline, performance.now() + Math.max(1000, this.sandbox.clock.realMsFor(60_000)));
      clearTimeout(timer);
      timer = setTimeout(timeOut, Math.max(0, deadline - performance.now()));
    };
    const context = {
      ...lambdaContext('cachegate-rotate-secret'),
      getRemainingTimeInMillis: () => Math.max(0, Math.floor(deadline - performance.now())),
    };
    try {
      await Promise.race([
        lambdaInvocation.run({ hung }, () =>
          (rotateSecretHandler as unknown as LambdaHandler)(event, context),
        ),
        timedOut,
      ]);
    } catch (error) {
      if (error instanceof LambdaCrashSignal) throw new Error('Runtime.ExitError');
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  private async check(users: string[], checkRedis: boolean): Promise<string[]> {
    const violations: string[] = [];
    const audit = this.sandbox.model<EventBridgeModel>('EventBridge').events;
    const secrets = this.sandbox.model<SecretsManagerModel>('Secrets Manager');
    for (const userId of users) {
      const ledger = this.ledgers.get(userId)!;
      const cacheUser = (await describeUser(userId)) !== undefined;
      // Held = a new run could not take it now. A claim a finished native rotation left behind
      // (its finishSecret failed after the promotion) is free by the claim rule: the next run
      // releases it for its dead holder (functions/use-cases/claim-recovery.ts).
      const probe = await takeUserClaimRecovering({
        userId,
        service: 'elasticache',
        owner: 'chaos-check',
        holder: 'rotate-password',
        now: this.sandbox.clock.now(),
      });
      if (!probe.taken) violations.push(`${userId}: claim still held by ${probe.holder}`);
      await releaseUserClaim({ userId, owner: 'chaos-check' });
      if (ledger.maxPasswords > 2) violations.push(`${userId}: held ${ledger.maxPasswords} passwords`);
      const events = (action: string) =>
        audit
          .map((e) => e.detail as { action?: string; actor?: string; subject?: Record<string, unknown> })
          .filter((d) => d.action === action && d.subject?.userId === userId);
      for (const [action, changes] of [
        ['UserCreated', ledger.created],
        ['UserDeleted', ledger.deleted],
      ] as const) {
        const published = events(action).length;
        if (published !== changes)
          violations.push(`${userId}: ${changes} change(s) of kind ${action}, ${published} audit event(s)`);
      }
      // Each version that became AWSCURRENT is one rotation: exactly one event names it (a native
      // rotation's may repeat, by design, when its label move failed after publishing: counted).
      const rotated = events('PasswordRotated');
      for (const versionId of ledger.promoted) {
        const naming = rotated.filter((d) => d.subject?.versionId === versionId);
        const native = naming.every((d) => d.actor === NATIVE_ROTATION_ACTOR);
        if (naming.length === 0 || (naming.length > 1 && !native))
          violations.push(
            `${userId}: version ${versionId} became AWSCURRENT with ${naming.length} audit event(s)`,
          );
        if (naming.length > 1 && native) this.nativeRepeats += naming.length - 1;
      }
      for (const d of rotated) {
        if (!ledger.promoted.includes(String(d.subject?.versionId)))
          violations.push(
            `${userId}: PasswordRotated names version ${String(d.subject?.versionId)}, never AWSCURRENT`,
          );
      }
      if (!cacheUser) continue;
      const secret = describeSecret(secrets, userSecretName(userId, 'elasticache'));
      if (!secret) {
        violations.push(`${userId}: exists without its secret`);
        continue;
      }
      if (secret.DeletedDate !== undefined)
        violations.push(`${userId}: live user's secret is scheduled for deletion`);
      const { SecretString, VersionId } = await secretsClient().send(
        new GetSecretValueCommand({ SecretId: secret.ARN, VersionStage: 'AWSCURRENT' }),
      );
      const { password } = JSON.parse(SecretString ?? '{}') as { password?: string };
      if (!(this.mirror.passwords.get(userId) ?? []).includes(password ?? '')) {
        violations.push(`${userId}: AWSCURRENT (version ${VersionId}) is not among the user's passwords`);
      }
      if (checkRedis && this.redis) {
        const outcome = await tryAuth(
          { host: '127.0.0.1', port: this.redis.port, tls: false },
          userId,
          password ?? '',
        );
        if (outcome !== 'accepted') violations.push(`${userId}: redis-server refused AUTH with AWSCURRENT`);
      }
    }
    return violations;
  }

  /** Creations and deletions as the model settles them, and the most passwords each user held. */
  private recordUserChanges(): void {
    const mirrorHook = this.model.onUserChanged;
    this.model.onUserChanged = async (user, passwords) => {
      const name = user.UserName ?? '';
      const ledger = this.ledgers.get(name);
      if (ledger) {
        ledger.maxPasswords = Math.max(ledger.maxPasswords, passwords.length);
        if (user.Status === 'deleted') {
          if (ledger.present) ledger.deleted += 1;
          ledger.present = false;
        } else if (!ledger.present) {
          ledger.created += 1;
          ledger.present = true;
        }
      }
      await mirrorHook?.(user, passwords);
    };
  }

  /** Every move of AWSCURRENT to another version of a user's secret is one rotation. */
  private recordPromotions(): void {
    const secrets = this.sandbox.model<SecretsManagerModel>('Secrets Manager');
    const commands = secrets.commands as unknown as Record<string, (input: unknown) => unknown>;
    const move = commands.UpdateSecretVersionStage!;
    commands.UpdateSecretVersionStage = async (input) => {
      const { SecretId, VersionStage, MoveToVersionId } = input as {
        SecretId: string;
        VersionStage: string;
        MoveToVersionId?: string;
      };
      const before = describeSecret(secrets, SecretId);
      const result = await move(input);
      const current = Object.entries(before?.VersionIdsToStages ?? {}).find(([, s]) =>
        s.includes('AWSCURRENT'),
      );
      if (VersionStage === 'AWSCURRENT' && MoveToVersionId && current?.[0] !== MoveToVersionId) {
        const userId = (before?.Name ?? '').split('/').pop() ?? '';
        const ledger = this.ledgers.get(userId);
        if (ledger) ledger.promoted.push(MoveToVersionId);
      }
      return result;
    };
  }
}

/**
 * Faults planted in cachegate to show the chaos test catches them: a workflow that starts at its
 * validation instead of taking the user's claim (its release steps then find nothing to release).
 */
function plantedTransform(plant: ChaosPlant, workflow: string): ((asl: string) => string) | undefined {
  const skip: Record<string, [string, string]> = {
    'offboard-without-claim': ['offboard-user', 'ValidateOffboarding'],
    'onboard-without-claim': ['onboard-user', 'ValidateOnboarding'],
  };
  const planted = skip[plant];
  if (!planted || planted[0] !== workflow) return undefined;
  return (asl) => {
    const definition = JSON.parse(asl) as { StartAt: string };
    definition.StartAt = planted[1];
    return JSON.stringify(definition);
  };
}

/** The model's own DescribeSecret (no fault injection, no SDK); undefined when there is no such secret. */
function describeSecret(
  secrets: SecretsManagerModel,
  secretId: string,
):
  | { ARN: string; Name: string; DeletedDate?: Date; VersionIdsToStages: Record<string, string[]> }
  | undefined {
  try {
    return secrets.commands.DescribeSecret({ SecretId: secretId }) as never;
  } catch {
    return undefined;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

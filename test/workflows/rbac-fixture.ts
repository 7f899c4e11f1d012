/**
 * Shared set-up of the RBAC workflow tests (onboard-user, offboard-user, harden-default-user,
 * migrate-to-rbac, …; the per-service adapters are in cache-services.ts): a sandbox with its SDK
 * clients, a runner that keeps every execution, readers of the execution events and of the
 * service's state, and the closing scan for passwords (safety rule 1).
 */
import { expect } from '@jest/globals';
import { readFileSync } from 'node:fs';
import {
  DescribeUserGroupsCommand,
  DescribeUsersCommand,
  ElastiCacheClient,
} from '@aws-sdk/client-elasticache';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { createAwsClient } from '../../functions/aws/clients.js';
import { listUsers } from '../../functions/aws/elasticache.js';
import { LocalStateMachine, type LocalExecution } from '../../local/runner/local-state-machine.js';
import { createSandbox, type Sandbox } from '../../local/sandbox/index.js';
import { createTables } from '../../local/sandbox/tables.js';
import type { ElastiCacheModel } from '../../local/sandbox/models/elasticache/index.js';
import type { EventBridgeModel } from '../../local/sandbox/models/eventbridge.js';
import type { SecretsManagerModel } from '../../local/sandbox/models/secrets-manager.js';

/** The sample input of a workflow, as documented in `events/<name>.json`. */
export function sampleInput<T>(name: string): T {
  return JSON.parse(readFileSync(new URL(`../../events/${name}.json`, import.meta.url), 'utf8')) as T;
}

/**
 * Starts workflows on the sandbox and keeps every execution, for the closing password scan.
 * Loading a definition validates it and takes real time, i.e. simulated minutes at speed 1000:
 * `load` it ahead (in beforeAll) where a test sets the stage before the run.
 */
export class WorkflowRuns {
  readonly executions: LocalExecution[] = [];
  private readonly machines = new Map<string, LocalStateMachine>();

  constructor(private readonly sandbox: Sandbox) {}

  /** The named workflow, loaded on first use only. */
  load(name: string): LocalStateMachine {
    let machine = this.machines.get(name);
    if (!machine) {
      machine = LocalStateMachine.load(name, { sandbox: this.sandbox });
      this.machines.set(name, machine);
    }
    return machine;
  }

  run(name: string, input: unknown): Promise<LocalExecution> {
    return this.record(this.load(name).run(input));
  }

  /** Keeps an execution of a machine the test loaded itself (e.g. with replaced handlers). */
  async record(running: Promise<LocalExecution>): Promise<LocalExecution> {
    const execution = await running;
    this.executions.push(execution);
    return execution;
  }
}

export interface RbacWorld {
  sandbox: Sandbox;
  secrets: SecretsManagerClient;
  workflows: WorkflowRuns;
}

/** A sandbox at speed 1000 (DynamoDB for the user claims) with every model; the per-service suites pick theirs (cache-services.ts). */
export async function createRbacWorld(): Promise<RbacWorld> {
  const sandbox = await createSandbox({ speed: 1000 });
  await createTables();
  return {
    sandbox,
    secrets: createAwsClient(SecretsManagerClient, {}),
    workflows: new WorkflowRuns(sandbox),
  };
}

/** A sandbox at speed 1000 (DynamoDB for the user claims) with the ElastiCache model and clients routed to it. */
export async function createElastiCacheWorld(): Promise<
  RbacWorld & { model: ElastiCacheModel; elastiCache: ElastiCacheClient }
> {
  const world = await createRbacWorld();
  return {
    ...world,
    model: world.sandbox.model<ElastiCacheModel>('ElastiCache'),
    elastiCache: createAwsClient(ElastiCacheClient, {}),
  };
}

export const ofType = (run: LocalExecution, type: string) =>
  run.events.filter((e) => (e as { type: string }).type === type) as {
    state: { name: string };
    Error?: string;
  }[];

/** How many times the execution entered the named state. */
export const entered = (run: LocalExecution, name: string) =>
  ofType(run, 'StateEntered').filter((e) => e.state.name === name).length;

/** The failed step's error message (the Lambda error's `errorMessage` inside the cause). */
export function causeOf(run: LocalExecution): string {
  try {
    return (JSON.parse(run.cause ?? '') as { errorMessage: string }).errorMessage;
  } catch {
    return run.cause ?? '';
  }
}

/** True when the describe call answers, false when it fails with the service's not-found fault. */
export function found(
  describe: Promise<unknown>,
  NotFound: abstract new (...args: never[]) => Error,
): Promise<boolean> {
  return describe.then(
    () => true,
    (error: unknown) => {
      if (error instanceof NotFound) return false;
      throw error;
    },
  );
}

export async function cacheUser(elastiCache: ElastiCacheClient, userId: string) {
  const { Users } = await elastiCache.send(new DescribeUsersCommand({ UserId: userId }));
  return Users?.[0];
}

export async function userGroup(elastiCache: ElastiCacheClient, userGroupId: string) {
  const { UserGroups } = await elastiCache.send(new DescribeUserGroupsCommand({ UserGroupId: userGroupId }));
  return UserGroups?.[0];
}

/**
 * What a rejected ElastiCache request must leave as it was: the users and their statuses, each
 * group's members, the number of secrets, and how often each of the `mutations` was called.
 */
export async function elastiCacheAccount(
  sandbox: Sandbox,
  elastiCache: ElastiCacheClient,
  mutations = ['CreateUser', 'ModifyUserGroup'],
) {
  const users = await listUsers();
  const { UserGroups } = await elastiCache.send(new DescribeUserGroupsCommand({}));
  return {
    users: users.map((u) => `${u.userId}:${u.status}`).sort(),
    groups: UserGroups?.map((g) => `${g.UserGroupId}:${[...(g.UserIds ?? [])].sort().join(',')}`),
    secrets: sandbox.model<SecretsManagerModel>('Secrets Manager').allSecretStrings().length,
    mutations: mutations.map((c) => sandbox.faults.calls('ElastiCache', c)),
  };
}

/**
 * Safety rule 1: none of the (at least `atLeast`) passwords and AUTH tokens stored in Secrets
 * Manager appears in the events, output, error or cause of any execution, in any EventBridge
 * event, or in `logs` (the handlers' log lines, where a suite captures them).
 */
export function expectNoPasswordLeak(
  sandbox: Sandbox,
  executions: LocalExecution[],
  atLeast: number,
  logs: string[] = [],
): void {
  const passwords = sandbox.model<SecretsManagerModel>('Secrets Manager').allSecretStrings().map(secretValue);
  expect(passwords.length).toBeGreaterThanOrEqual(atLeast);
  const history = JSON.stringify(executions.map((r) => [r.events, r.output, r.error, r.cause]));
  const audit = JSON.stringify(sandbox.model<EventBridgeModel>('EventBridge').events);
  const logText = logs.join('\n');
  for (const password of passwords) {
    expect(history.includes(password)).toBe(false);
    expect(audit.includes(password)).toBe(false);
    expect(logText.includes(password)).toBe(false);
  }
}

/** The password in a cachegate user secret (`{"username","password"}`); any other secret (an AUTH token) as it is. */
function secretValue(secretString: string): string {
  try {
    const { password } = JSON.parse(secretString) as { password?: unknown };
    return typeof password === 'string' ? password : secretString;
  } catch {
    return secretString;
  }
}

import { createSandbox, type Sandbox } from '../../local/sandbox/index.js';
import type { StepFunctionsModel } from '../../local/sandbox/models/step-functions.js';
import { createTables } from '../../local/sandbox/tables.js';
import { LocalStateMachine } from '../../local/runner/local-state-machine.js';
import { configureLocalTriggers, type LocalTriggers } from '../../local/serve/local-triggers.js';
import { stateMachineArn } from '../../local/workflows.js';

/** The workflows access-request starts: granting on approval, revoking on a revoke request. */
export const ACCESS_REQUEST_CHILDREN = [
  'onboard-user',
  'issue-certificate',
  'offboard-user',
  'revoke-certificate',
] as const;
export type AccessRequestChild = (typeof ACCESS_REQUEST_CHILDREN)[number];

type ChildResult =
  { status: 'SUCCEEDED'; output: object } | { status: 'FAILED'; error: string; cause: string };

/**
 * A sandbox with the tables, the local triggers (approvers, Slack secret) and the real
 * access-request workflow. The workflows it starts have their own tests: here each one only
 * calls `onChildStart` (if given) and succeeds, unless that returns another result.
 */
export async function startAccessRequestSandbox(options: {
  approvers: string[];
  speed?: number;
  /** Called as each access-request run starts. */
  onRun?: (input: unknown) => void;
  onChildStart?: (
    workflow: AccessRequestChild,
    input: Record<string, unknown>,
  ) => void | ChildResult | Promise<void | ChildResult>;
}): Promise<{ sandbox: Sandbox; triggers: LocalTriggers }> {
  const sandbox = await createSandbox({ speed: options.speed ?? 1000 });
  await createTables();
  const triggers = await configureLocalTriggers(sandbox, { approvers: options.approvers });
  const arn = (name: string) => stateMachineArn(sandbox, name);
  const machine = LocalStateMachine.load('access-request', {
    sandbox,
    substitutions: {
      OnboardUserStateMachineArn: arn('onboard-user'),
      IssueCertificateStateMachineArn: arn('issue-certificate'),
    },
  });
  const sfn = sandbox.model<StepFunctionsModel>('SFN');
  sfn.registerStateMachine(arn('access-request'), (input) => {
    options.onRun?.(input);
    return machine.run(input);
  });
  for (const workflow of ACCESS_REQUEST_CHILDREN) {
    sfn.registerStateMachine(arn(workflow), async (input) => {
      const result = await options.onChildStart?.(workflow, input as Record<string, unknown>);
      return result ?? { status: 'SUCCEEDED', output: {} };
    });
  }
  return { sandbox, triggers };
}

/** Polls `probe` every 20 ms until it returns a value; after 30 s fails, naming `what`. */
export async function waitFor<T>(
  probe: () => Promise<T | undefined> | T | undefined,
  what: string,
): Promise<T> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

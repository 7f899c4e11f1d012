import type { StepFunctionsModel } from './sandbox/models/step-functions.js';
import type { Sandbox } from './sandbox/sandbox.js';
import { LocalStateMachine, type RunnerOptions } from './runner/local-state-machine.js';
import { withApprovalTimeout } from '../workflows/approval-timeout.js';
import { readAsl, workflowNames } from '../workflows/asl-files.js';
import { kebabCase, placeholdersOf } from '../workflows/placeholders.js';

export function stateMachineArn(sandbox: Sandbox, name: string): string {
  return `arn:aws:states:${sandbox.region}:${sandbox.accountId}:stateMachine:cachegate-${name}`;
}

/**
 * Loads every statemachines/*.asl.json into the sandbox's Step Functions model, so workflows
 * can start each other (`${XxxStateMachineArn}` placeholders) and the CLI can start them by ARN.
 */
export function registerWorkflows(
  options: RunnerOptions & {
    /** access-request's approval window, as config `approvals.timeoutSeconds` sets it in CDK. */
    approvalTimeoutSeconds?: number;
  },
): Record<string, LocalStateMachine> {
  const { approvalTimeoutSeconds, ...runnerOptions } = options;
  const { sandbox } = options;
  const names = workflowNames();
  const substitutions: Record<string, string> = { ...options.substitutions };
  // Every `${XxxStateMachineArn}` gets the conventional ARN, as the CDK stack names them; one
  // that is not (yet) a workflow fails at StartExecution, as an undeployed one would on AWS.
  for (const name of names) {
    for (const placeholder of placeholdersOf(readAsl(name))) {
      const match = /^(.+)StateMachineArn$/.exec(placeholder);
      if (match && substitutions[placeholder] === undefined) {
        substitutions[placeholder] = stateMachineArn(sandbox, kebabCase(match[1] as string));
      }
    }
  }
  const sfn = sandbox.model<StepFunctionsModel>('SFN');
  const machines: Record<string, LocalStateMachine> = {};
  for (const name of names) {
    const approvalWindow =
      name === 'access-request' && approvalTimeoutSeconds !== undefined
        ? { transform: (asl: string) => withApprovalTimeout(asl, approvalTimeoutSeconds) }
        : {};
    const machine = LocalStateMachine.load(name, { ...runnerOptions, substitutions, ...approvalWindow });
    machines[name] = machine;
    sfn.registerStateMachine(stateMachineArn(sandbox, name), (input) => machine.run(input));
  }
  return machines;
}

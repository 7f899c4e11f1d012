import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { StepFunctionsModel } from './sandbox/models/step-functions.js';
import type { Sandbox } from './sandbox/sandbox.js';
import { LocalStateMachine, type RunnerOptions } from './runner/local-state-machine.js';
import { repoRoot } from './repo-root.js';
import { pascalCase } from './runner/placeholders.js';


export function stateMachineArn(sandbox: Sandbox, name: string): string {
  return `arn:aws:states:${sandbox.region}:${sandbox.accountId}:stateMachine:cachegate-${name}`;
}

export function workflowNames(): string[] {
  return readdirSync(join(repoRoot(), 'statemachines'))
    .filter((f) => f.endsWith('.asl.json'))
    .map((f) => f.replace(/\.asl\.json$/, ''))
    .sort();
}

/**
 * Loads every statemachines/*.asl.json into the sandbox's Step Functions model, so workflows
 * can start each other (`${XxxStateMachineArn}` placeholders) and the CLI can start them by ARN.
 * `extraStateMachines` maps placeholder names of workflows that do not exist yet to any ARN.
 */
export function registerWorkflows(
  options: RunnerOptions & { extraStateMachines?: Record<string, string> },
): Record<string, LocalStateMachine> {
  const { sandbox } = options;
  const names = workflowNames();
  const substitutions: Record<string, string> = { ...options.extraStateMachines, ...options.substitutions };
  for (const name of names) substitutions[`${pascalCase(name)}StateMachineArn`] = stateMachineArn(sandbox, name);
  const sfn = sandbox.model<StepFunctionsModel>('SFN');
  const machines: Record<string, LocalStateMachine> = {};
  for (const name of names) {
    const machine = LocalStateMachine.load(name, { ...options, substitutions });
    machines[name] = machine;
    sfn.registerStateMachine(stateMachineArn(sandbox, name), (input) => machine.run(input));
  }
  return machines;
}

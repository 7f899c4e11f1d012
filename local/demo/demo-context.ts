import type { Approver, LocalExecution, LocalStateMachine } from '../runner/local-state-machine.js';
import type { Sandbox } from '../sandbox/sandbox.js';
import type { Narrator } from './narrator.js';

export interface DemoContext {
  sandbox: Sandbox;
  narrator: Narrator;
  machines: Record<string, LocalStateMachine>;
  /** Runs a workflow to its end, narrating each state. */
  run: (workflow: string, input: unknown) => Promise<LocalExecution>;
  /** The approver the next `.waitForTaskToken` task is handed to. */
  approvals: { next?: Approver };
}

import { stateMachineEnvVar } from '../core/api/workflow-arns.js';
import { ValidationError } from '../core/errors.js';
import { scheduledExecutionName } from '../core/workflow-schedule.js';
import { startExecution } from '../aws/step-functions.js';

export interface ScheduledStart {
  /** The workflow's convention name (`rotate-all`); its ARN must be in this function's environment. */
  workflow: string;
  /** When Scheduler planned this invocation (`<aws.scheduler.scheduled-time>`), not when it arrived. */
  scheduledTime: Date;
  periodMinutes: number;
  /** Set for a workflow scheduled per resource: `-<key>` ends the execution name. */
  key?: string;
  input: Record<string, unknown>;
}

export interface ScheduledStartResult {
  workflow: string;
  executionName: string;
  executionArn: string;
  /** False when this period's execution already existed (a repeated delivery). */
  started: boolean;
}

/**
 * Starts a scheduled workflow at most once per period: the execution is named after the period,
 * and a start whose name already exists (running or finished) is this period's run, not a fault.
 * Only workflows whose ARN the deployment put in the environment can be started.
 */
export async function startScheduledWorkflow(
  start: ScheduledStart,
  env: Record<string, string | undefined>,
): Promise<ScheduledStartResult> {
  const stateMachineArn = env[stateMachineEnvVar(start.workflow)];
  if (!stateMachineArn)
    throw new ValidationError('is not a scheduled workflow of this deployment', 'workflow');
  const executionName = `${scheduledExecutionName(start.scheduledTime, start.periodMinutes)}${start.key ? `-${start.key}` : ''}`;
  const { outcome, executionArn } = await startExecution(stateMachineArn, executionName, start.input);
  return { workflow: start.workflow, executionName, executionArn, started: outcome === 'started' };
}

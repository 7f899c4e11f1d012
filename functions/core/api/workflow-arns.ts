/**
 * Workflows are found by naming convention (`cachegate-<name>`): the stack passes each ARN a
 * function needs as `<NAME>_STATE_MACHINE_ARN`, e.g. `OFFBOARD_USER_STATE_MACHINE_ARN`.
 */
export function stateMachineEnvVar(workflow: string): string {
  return `${workflow.toUpperCase().replace(/-/g, '_')}_STATE_MACHINE_ARN`;
}

export function stateMachineArnFrom(env: Record<string, string | undefined>, workflow: string): string {
  const arn = env[stateMachineEnvVar(workflow)];
  if (!arn) throw new Error(`${stateMachineEnvVar(workflow)} is not configured`);
  return arn;
}

/** `arn:…:stateMachine:m` + execution name → `arn:…:execution:m:name`. */
export function executionArnFor(stateMachineArn: string, name: string): string {
  return `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
}

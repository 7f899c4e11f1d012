import { ValidationError } from '../../functions/core/errors.js';

/**
 * aws-local-stepfunctions silently ignores fields it does not implement (JSONata, `Assign`,
 * heartbeats...), which would run a definition *wrongly*. So the runner accepts only the fields
 * it honours, per state type, and rejects everything else by name.
 */
const COMMON_IO = ['Type', 'Comment', 'InputPath', 'OutputPath'];
const NEXT_OR_END = ['Next', 'End'];
const ALLOWED_FIELDS: Record<string, string[]> = {
  Task: [
    ...COMMON_IO,
    ...NEXT_OR_END,
    'Resource',
    'Parameters',
    'ResultSelector',
    'ResultPath',
    'Retry',
    'Catch',
    'TimeoutSeconds',
  ],
  Pass: [...COMMON_IO, ...NEXT_OR_END, 'Parameters', 'Result', 'ResultPath'],
  Choice: [...COMMON_IO, 'Choices', 'Default'],
  Wait: [...COMMON_IO, ...NEXT_OR_END, 'Seconds'],
  Succeed: COMMON_IO,
  Fail: ['Type', 'Comment', 'Error', 'Cause', 'ErrorPath', 'CausePath'],
  Map: [
    ...COMMON_IO,
    ...NEXT_OR_END,
    'ItemsPath',
    'ItemSelector',
    'ItemProcessor',
    'MaxConcurrency',
    'MaxConcurrencyPath',
    'ResultSelector',
    'ResultPath',
    'Retry',
    'Catch',
  ],
  Parallel: [
    ...COMMON_IO,
    ...NEXT_OR_END,
    'Parameters',
    'Branches',
    'ResultSelector',
    'ResultPath',
    'Retry',
    'Catch',
  ],
};
const TOP_LEVEL_FIELDS = ['StartAt', 'States', 'Comment', 'Version', 'TimeoutSeconds', 'QueryLanguage'];

export const SUPPORTED_TASK_RESOURCES = [
  'arn:aws:states:::lambda:invoke',
  'arn:aws:states:::lambda:invoke.waitForTaskToken',
];

export class UnsupportedAslFeatureError extends ValidationError {
  override readonly name: string = 'UnsupportedAslFeatureError';
  constructor(where: string, message: string) {
    super(`${where}: ${message} (the local runner would not honour it, so it refuses to run the definition)`);
  }
}

interface AslStates {
  StartAt: string;
  States: Record<string, Record<string, unknown>>;
}

/** Throws UnsupportedAslFeatureError for the first field or resource the runner cannot honour. */
export function assertSupportedFeatures(definition: Record<string, unknown>, file: string): void {
  const seenNames = new Set<string>();
  checkMachine(definition, file, seenNames, true);
}

function checkMachine(
  machine: Record<string, unknown>,
  where: string,
  seenNames: Set<string>,
  topLevel: boolean,
): void {
  for (const key of Object.keys(machine)) {
    const allowed = topLevel ? TOP_LEVEL_FIELDS : ['StartAt', 'States', 'Comment', 'ProcessorConfig'];
    if (!allowed.includes(key))
      throw new UnsupportedAslFeatureError(where, `field "${key}" is not supported`);
  }
  if (machine.QueryLanguage !== undefined && machine.QueryLanguage !== 'JSONPath') {
    throw new UnsupportedAslFeatureError(
      where,
      `QueryLanguage "${String(machine.QueryLanguage)}" is not supported; use JSONPath`,
    );
  }
  const processor = machine.ProcessorConfig as { Mode?: string; ExecutionType?: string } | undefined;
  // A DISTRIBUTED map runs each item as a STANDARD child execution (local-state-machine.ts runMap);
  // EXPRESS children (5-minute cap, at-least-once) and item readers/batchers/writers are not modelled.
  const mode = processor?.Mode ?? 'INLINE';
  if (mode === 'DISTRIBUTED' ? processor?.ExecutionType !== 'STANDARD' : mode !== 'INLINE') {
    throw new UnsupportedAslFeatureError(
      where,
      `Map ProcessorConfig ${JSON.stringify(processor)} is not supported; use Mode INLINE, or DISTRIBUTED with ExecutionType STANDARD`,
    );
  }
  const { States } = machine as unknown as AslStates;
  for (const [name, state] of Object.entries(States ?? {})) {
    const at = `${where}: state "${name}"`;
    // Local task handlers are keyed by state name, so a name must be unique across all levels.
    if (seenNames.has(name))
      throw new UnsupportedAslFeatureError(at, 'state names must be unique across the whole definition');
    seenNames.add(name);
    const type = String(state.Type);
    const allowed = ALLOWED_FIELDS[type];
    if (!allowed) throw new UnsupportedAslFeatureError(at, `state type "${type}" is not supported`);
    for (const key of Object.keys(state)) {
      if (!allowed.includes(key))
        throw new UnsupportedAslFeatureError(at, `field "${key}" is not supported on a ${type} state`);
    }
    if (type === 'Task' && !SUPPORTED_TASK_RESOURCES.includes(String(state.Resource))) {
      throw new UnsupportedAslFeatureError(
        at,
        `Resource "${String(state.Resource)}" is not supported; use one of ${SUPPORTED_TASK_RESOURCES.join(', ')}`,
      );
    }
    if (type === 'Map') {
      if (!state.ItemProcessor)
        throw new UnsupportedAslFeatureError(at, 'a Map state needs an ItemProcessor');
      checkMachine(state.ItemProcessor as Record<string, unknown>, at, seenNames, false);
    }
    if (type === 'Parallel') {
      for (const branch of state.Branches as Record<string, unknown>[])
        checkMachine(branch, at, seenNames, false);
    }
  }
}

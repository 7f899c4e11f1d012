/**
 * The mutations of an Amazon States Language definition that a JavaScript mutation tool cannot
 * make: each mutant is the definition with one deliberate fault, for `npm run mutate:asl` to run
 * the workflow tests against. Pure: takes the parsed definition, returns mutants.
 *
 * - `retry`: one error dropped from a Retry (a retrier left with no error is dropped whole). The
 *   transient errors every Lambda task retries (Lambda.*, throttling, 5xx) are dropped together
 *   rather than one by one: each is handled the same way, and one mutant per retrier says
 *   whether any test notices that transient errors are no longer retried.
 * - `catch`: one Catch made to catch nothing (its ErrorEquals set to an error no task raises).
 * - `choice`: one Choice comparison flipped to its complement (`NumericLessThan` ↔
 *   `NumericGreaterThanEquals`, `BooleanEquals` true ↔ false, `IsPresent` true ↔ false ...), or
 *   wrapped in `Not` where no complement operator exists (`StringEquals`, `StringMatches` ...).
 * - `bound`: a loop bound shortened: a numeric Choice comparison against an integer ≥ 2 set to 1
 *   (e.g. "polls < 20" → "polls < 1").
 */

export type MutantKind = 'retry' | 'catch' | 'choice' | 'bound';

export interface AslMutant {
  readonly id: string;
  readonly kind: MutantKind;
  /** What was changed, e.g. `RemoveUserFromGroup: Retry[1] no longer retries InvalidUserGroupStateFault`. */
  readonly description: string;
  /** The state the mutant changes (a Choice's comparison, a Task's Retry or Catch). */
  readonly state: string;
  readonly definition: unknown;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };
type Path = (string | number)[];

/** Errors every Lambda task retries alike; a retrier made of only these is mutated as one unit. */
const TRANSIENT_ERRORS = new Set([
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.TooManyRequestsException',
  'Lambda.Unknown',
  'Sandbox.Timedout',
  'TimeoutError',
  'InternalFailure',
  'ServiceUnavailable',
  'ThrottlingException',
  'Throttling',
  'RequestLimitExceeded',
  'APICallRateForCustomerExceededFault',
]);

/** An error name nothing raises: a Catch matching only it never catches. */
export const NEVER_RAISED = 'Mutant.NeverRaised';

const COMPLEMENT: Record<string, string> = {
  NumericLessThan: 'NumericGreaterThanEquals',
  NumericGreaterThanEquals: 'NumericLessThan',
  NumericGreaterThan: 'NumericLessThanEquals',
  NumericLessThanEquals: 'NumericGreaterThan',
  TimestampLessThan: 'TimestampGreaterThanEquals',
  TimestampGreaterThanEquals: 'TimestampLessThan',
  TimestampGreaterThan: 'TimestampLessThanEquals',
  TimestampLessThanEquals: 'TimestampGreaterThan',
  StringLessThan: 'StringGreaterThanEquals',
  StringGreaterThanEquals: 'StringLessThan',
  StringGreaterThan: 'StringLessThanEquals',
  StringLessThanEquals: 'StringGreaterThan',
};
/** Comparisons whose value is a boolean: flipping the value is the complement. */
const BOOLEAN_TESTS = new Set([
  'BooleanEquals',
  'IsPresent',
  'IsNull',
  'IsString',
  'IsNumeric',
  'IsBoolean',
  'IsTimestamp',
]);
const NUMERIC_BOUNDS = new Set([
  'NumericLessThan',
  'NumericLessThanEquals',
  'NumericGreaterThan',
  'NumericGreaterThanEquals',
]);

/** Every mutant of `definition`, in document order, with ids `<kind>-<n>` stable for a given file. */
export function aslMutants(definition: unknown, kinds?: ReadonlySet<MutantKind>): AslMutant[] {
  const mutants: AslMutant[] = [];
  const counters = new Map<MutantKind, number>();
  const add = (
    kind: MutantKind,
    state: string,
    description: string,
    path: Path,
    replace: (node: Json) => Json | undefined,
  ) => {
    if (kinds && !kinds.has(kind)) return;
    const n = (counters.get(kind) ?? 0) + 1;
    counters.set(kind, n);
    mutants.push({
      id: `${kind}-${n}`,
      kind,
      description,
      state,
      definition: replaceAt(definition as Json, path, replace),
    });
  };
  forEachState(definition as JsonObject, [], (name, state, path) => {
    const retriers = Array.isArray(state.Retry) ? state.Retry : [];
    retriers.forEach((retrier, r) => {
      const errors = ((retrier as JsonObject).ErrorEquals as string[] | undefined) ?? [];
      const retryPath = [...path, 'Retry'];
      const transient = errors.filter((e) => TRANSIENT_ERRORS.has(e));
      const groups = [
        ...(transient.length > 0 ? [{ drop: transient, what: 'transient errors' }] : []),
        ...errors.filter((e) => !TRANSIENT_ERRORS.has(e)).map((e) => ({ drop: [e], what: e })),
      ];
      for (const { drop, what } of groups) {
        const description = `${name}: Retry[${r}] no longer retries ${what}`;
        if (drop.length === errors.length) {
          add('retry', name, description, retryPath, (list) => (list as Json[]).filter((_, i) => i !== r));
        } else {
          add('retry', name, description, [...retryPath, r, 'ErrorEquals'], (list) =>
            (list as Json[]).filter((e) => !drop.includes(e as string)),
          );
        }
      }
    });
    const catchers = Array.isArray(state.Catch) ? state.Catch : [];
    catchers.forEach((catcher, c) => {
      const errors = ((catcher as JsonObject).ErrorEquals as string[] | undefined) ?? [];
      // Not removed from the list: its target state would become unreachable, which the ASL
      // validator rejects before any test runs. A Catch matching nothing behaves as removed.
      add(
        'catch',
        name,
        `${name}: Catch[${c}] (${errors.join(', ')}) no longer catches`,
        [...path, 'Catch', c, 'ErrorEquals'],
        () => [NEVER_RAISED],
      );
    });
    if (state.Type === 'Choice' && Array.isArray(state.Choices)) {
      state.Choices.forEach((rule, c) =>
        forEachComparison(rule as JsonObject, [...path, 'Choices', c], (comparison, comparisonPath) => {
          const operator = Object.keys(comparison).find((key) => key !== 'Variable' && key !== 'Next') ?? '';
          const value = comparison[operator] as Json;
          const where = `${name}: Choices[${c}] ${String(comparison.Variable)} ${operator} ${JSON.stringify(value)}`;
          const flipped = flip(comparison, operator, value);
          add('choice', name, `${where} flipped to ${describe(flipped)}`, comparisonPath, () => flipped);
          if (NUMERIC_BOUNDS.has(operator) && Number.isInteger(value) && (value as number) >= 2) {
            add('bound', name, `${where} shortened to 1`, comparisonPath, (node) => ({
              ...(node as JsonObject),
              [operator]: 1,
            }));
          }
        }),
      );
    }
  });
  return mutants;
}

function flip(comparison: JsonObject, operator: string, value: Json): JsonObject {
  const { Next, ...test } = comparison;
  const keep: JsonObject = Next === undefined ? {} : { Next };
  const complement = COMPLEMENT[operator];
  if (complement !== undefined) {
    const { [operator]: _dropped, ...rest } = test;
    return { ...rest, [complement]: value, ...keep };
  }
  if (BOOLEAN_TESTS.has(operator) && typeof value === 'boolean')
    return { ...test, [operator]: !value, ...keep };
  return { Not: test, ...keep };
}

function describe(comparison: JsonObject): string {
  if ('Not' in comparison) return 'Not';
  const operator = Object.keys(comparison).find((key) => key !== 'Variable' && key !== 'Next') ?? '';
  return `${operator} ${JSON.stringify(comparison[operator])}`;
}

/** Visits every state, nested Map and Parallel states included, with its path in the definition. */
function forEachState(
  machine: JsonObject,
  path: Path,
  visit: (name: string, state: JsonObject, path: Path) => void,
) {
  const states = (machine.States ?? {}) as Record<string, JsonObject>;
  for (const [name, state] of Object.entries(states)) {
    const statePath = [...path, 'States', name];
    visit(name, state, statePath);
    for (const key of ['ItemProcessor', 'Iterator'] as const) {
      if (state[key]) forEachState(state[key] as JsonObject, [...statePath, key], visit);
    }
    if (Array.isArray(state.Branches)) {
      state.Branches.forEach((branch, b) =>
        forEachState(branch as JsonObject, [...statePath, 'Branches', b], visit),
      );
    }
  }
}

/** Visits the leaf comparisons of a Choice rule (inside And / Or / Not too). */
function forEachComparison(
  rule: JsonObject,
  path: Path,
  visit: (comparison: JsonObject, path: Path) => void,
) {
  for (const key of ['And', 'Or'] as const) {
    const list = rule[key];
    if (Array.isArray(list)) {
      list.forEach((child, i) => forEachComparison(child as JsonObject, [...path, key, i], visit));
      return;
    }
  }
  if (rule.Not) {
    forEachComparison(rule.Not as JsonObject, [...path, 'Not'], visit);
    return;
  }
  if ('Variable' in rule) visit(rule, path);
}

/** A deep copy of `root` with the node at `path` replaced by `replace(node)`. */
function replaceAt(root: Json, path: Path, replace: (node: Json) => Json | undefined): Json {
  if (path.length === 0) return replace(structuredClone(root)) ?? null;
  const [head, ...rest] = path as [string | number, ...Path];
  if (Array.isArray(root)) return root.map((item, i) => (i === head ? replaceAt(item, rest, replace) : item));
  const object = root as JsonObject;
  return { ...object, [head]: replaceAt(object[head] as Json, rest, replace) };
}

import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { aslMutants, NEVER_RAISED } from '../../../scripts/asl-mutants.js';
import { readAsl } from '../../../workflows/asl-files.js';

const aslValidator = createRequire(import.meta.url)('asl-validator') as (definition: unknown) => {
  isValid: boolean;
  errorsText: () => string;
};
type Machine = { States: Record<string, { Catch: Record<string, unknown>[] }> };

const machine = (name: string) =>
  JSON.parse(readFileSync(join(process.cwd(), 'statemachines', `${name}.asl.json`), 'utf8')) as {
    States: Record<string, Record<string, unknown>>;
  };

type Retrier = { ErrorEquals: string[] };
const removeFromGroup = (definition: unknown) =>
  (
    definition as {
      States: Record<string, { ItemProcessor: { States: Record<string, { Retry: Retrier[] }> } }>;
    }
  ).States.RemoveFromUserGroups!.ItemProcessor.States.RemoveUserFromGroup!;

describe('ASL mutants', () => {
  it('drops one state fault from a Retry, inside a Map, and leaves the original untouched', () => {
    const original = machine('offboard-user');
    const before = JSON.stringify(original);
    const mutant = aslMutants(original).find(
      (m) => m.description === 'RemoveUserFromGroup: Retry[2] no longer retries InvalidUserGroupStateFault',
    );
    expect(mutant).toBeDefined();
    expect(removeFromGroup(mutant!.definition).Retry[2]!.ErrorEquals).toEqual(['InvalidACLStateFault']);
    expect(removeFromGroup(original).Retry[2]!.ErrorEquals).toEqual([
      'InvalidUserGroupStateFault',
      'InvalidACLStateFault',
    ]);
    expect(JSON.stringify(original)).toBe(before);
  });

  it('drops the transient errors of a retrier together, and a retrier left empty whole', () => {
    const mutant = aslMutants(machine('offboard-user')).find(
      (m) => m.description === 'RemoveUserFromGroup: Retry[1] no longer retries transient errors',
    );
    expect(removeFromGroup(mutant!.definition).Retry.map((r) => r.ErrorEquals)).toEqual([
      [
        'Throttling',
        'ThrottlingException',
        'RequestLimitExceeded',
        'APICallRateForCustomerExceededFault',
        'Lambda.TooManyRequestsException',
      ],
      ['InvalidUserGroupStateFault', 'InvalidACLStateFault'],
    ]);
  });

  it('flips comparisons to their complement, or wraps them in Not, keeping Next', () => {
    const definition = {
      StartAt: 'Loop?',
      States: {
        'Loop?': {
          Type: 'Choice',
          Choices: [
            {
              And: [
                { Variable: '$.polls', NumericLessThan: 20 },
                { Variable: '$.done', BooleanEquals: false },
              ],
              Next: 'Wait',
            },
            { Variable: '$.status', StringEquals: 'active', Next: 'Done' },
          ],
          Default: 'Done',
        },
        Wait: { Type: 'Wait', Seconds: 30, Next: 'Loop?' },
        Done: { Type: 'Succeed' },
      },
    };
    const mutants = aslMutants(definition);
    const choices = (m: (typeof mutants)[number]) =>
      (m.definition as typeof definition).States['Loop?'].Choices as unknown[];
    expect(mutants.map((m) => `${m.kind}: ${m.description}`)).toEqual([
      'choice: Loop?: Choices[0] $.polls NumericLessThan 20 flipped to NumericGreaterThanEquals 20',
      'bound: Loop?: Choices[0] $.polls NumericLessThan 20 shortened to 1',
      'choice: Loop?: Choices[0] $.done BooleanEquals false flipped to BooleanEquals true',
      'choice: Loop?: Choices[1] $.status StringEquals "active" flipped to Not',
    ]);
    expect(choices(mutants[0]!)[0]).toEqual({
      And: [
        { Variable: '$.polls', NumericGreaterThanEquals: 20 },
        { Variable: '$.done', BooleanEquals: false },
      ],
      Next: 'Wait',
    });
    expect(choices(mutants[1]!)[0]).toMatchObject({ And: [{ Variable: '$.polls', NumericLessThan: 1 }, {}] });
    expect(choices(mutants[3]!)[1]).toEqual({
      Not: { Variable: '$.status', StringEquals: 'active' },
      Next: 'Done',
    });
  });

  it('makes each Catch catch nothing, keeping its handler reachable', () => {
    const original = machine('offboard-user') as unknown as Machine;
    const mutants = aslMutants(original, new Set(['catch']));
    expect(mutants.map((m) => m.description)).toContain(
      'DeleteCacheUser: Catch[0] (States.ALL) no longer catches',
    );
    const mutant = mutants.find((m) => m.description.startsWith('DeleteCacheUser: Catch[0]'))!;
    expect(mutant.state).toBe('DeleteCacheUser');
    expect((mutant.definition as Machine).States.DeleteCacheUser!.Catch[0]).toEqual({
      ...original.States.DeleteCacheUser!.Catch[0],
      ErrorEquals: [NEVER_RAISED],
    });
  });

  it('keeps a Catch mutant valid ASL: a kill is a test failing, not the validator refusing the file', () => {
    // asl-validator takes ~0.1 s a definition: one machine's Catch mutants here; the mutator
    // checks every mutant and reports refused ones as invalid, not killed.
    for (const mutant of aslMutants(JSON.parse(readAsl('offboard-user')), new Set(['catch']))) {
      const { isValid, errorsText } = aslValidator(mutant.definition);
      expect({ mutant: mutant.description, errors: isValid ? '' : errorsText() }).toEqual({
        mutant: mutant.description,
        errors: '',
      });
    }
  });
});

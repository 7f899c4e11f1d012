import { describe, expect, it } from '@jest/globals';
import { assertSupportedFeatures } from '../../../local/runner/supported-features.js';
import { loadDefinition } from '../../../local/runner/load-definition.js';
import { functionNameOf, placeholdersOf } from '../../../workflows/placeholders.js';

const task = (extra: Record<string, unknown> = {}) => ({
  Type: 'Task',
  Resource: 'arn:aws:states:::lambda:invoke',
  Parameters: { FunctionName: 'f', Payload: {} },
  End: true,
  ...extra,
});
const machine = (states: Record<string, unknown>, top: Record<string, unknown> = {}) => ({
  StartAt: Object.keys(states)[0],
  States: states,
  ...top,
});

describe('the local runner refuses what it would run wrongly', () => {
  it.each([
    ['JSONata at the top', machine({ A: task() }, { QueryLanguage: 'JSONata' }), /QueryLanguage "JSONata"/],
    ['Assign on a state', machine({ A: task({ Assign: { x: 1 } }) }), /state "A": field "Assign"/],
    ['Output on a state', machine({ A: task({ Output: '{% $x %}' }) }), /field "Output"/],
    ['heartbeats', machine({ A: task({ HeartbeatSeconds: 30 }) }), /field "HeartbeatSeconds"/],
    [
      'SecondsPath waits',
      machine({ W: { Type: 'Wait', SecondsPath: '$.s', End: true } }),
      /field "SecondsPath"/,
    ],
    [
      'service integrations',
      machine({ A: task({ Resource: 'arn:aws:states:::sns:publish' }) }),
      /Resource "arn:aws:states:::sns:publish"/,
    ],
    [
      'distributed maps of EXPRESS children',
      machine({
        M: {
          Type: 'Map',
          ItemProcessor: {
            ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'EXPRESS' },
            StartAt: 'B',
            States: { B: task() },
          },
          End: true,
        },
      }),
      /"ExecutionType":"EXPRESS"/,
    ],
    [
      'distributed maps reading items from S3',
      machine({
        M: {
          Type: 'Map',
          ItemReader: { Resource: 'arn:aws:states:::s3:getObject', Parameters: {} },
          ItemProcessor: {
            ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' },
            StartAt: 'B',
            States: { B: task() },
          },
          End: true,
        },
      }),
      /field "ItemReader"/,
    ],
    [
      'a state name used twice',
      machine({ A: { Type: 'Map', ItemProcessor: { StartAt: 'A', States: { A: task() } }, End: true } }),
      /must be unique/,
    ],
  ])('rejects %s with a clear error', (_what, definition, message) => {
    expect(() => assertSupportedFeatures(definition, 'x.asl.json')).toThrow(message);
  });

  it('accepts the JSONPath subset it honours', () => {
    expect(() =>
      assertSupportedFeatures(
        machine({
          A: task({
            Retry: [{ ErrorEquals: ['X'] }],
            Catch: [{ ErrorEquals: ['States.ALL'], Next: 'F' }],
            End: undefined,
            Next: 'W',
          }),
          W: { Type: 'Wait', Seconds: 5, Next: 'C' },
          C: { Type: 'Choice', Choices: [{ Variable: '$.a', IsPresent: true, Next: 'M' }], Default: 'F' },
          M: {
            Type: 'Map',
            MaxConcurrencyPath: '$.n',
            ItemProcessor: {
              ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' },
              StartAt: 'B',
              States: { B: task() },
            },
            Next: 'S',
          },
          S: { Type: 'Succeed' },
          F: { Type: 'Fail', Error: 'E' },
        }),
        'x.asl.json',
      ),
    ).not.toThrow();
  });
});

describe('placeholders', () => {
  it('maps ${XxxFunctionArn} to the functions/ folder name', () => {
    expect(placeholdersOf('"${CreateCacheUserFunctionArn}" "${A}" "${A}"')).toEqual([
      'CreateCacheUserFunctionArn',
      'A',
    ]);
    expect(functionNameOf('CreateCacheUserFunctionArn')).toBe('create-cache-user');
    expect(functionNameOf('OnboardUserStateMachineArn')).toBeUndefined();
  });

  it('refuses to load a definition with a placeholder left unfilled, naming it', () => {
    expect(() => loadDefinition('access-request', { RecordAccessRequestFunctionArn: 'x' })).toThrow(
      /no value for placeholder\(s\) RequestApprovalFunctionArn/,
    );
  });
});

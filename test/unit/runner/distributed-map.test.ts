import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { LocalStateMachine } from '../../../local/runner/local-state-machine.js';
import { createSandbox, type Sandbox } from '../../../local/sandbox/index.js';

/**
 * A Distributed Map runs each item as a child execution of its ItemProcessor: the child has its
 * own `$$.Execution` (rotate-all's per-user claim is owned by it), the ItemSelector still reads the
 * parent's input and context, MaxConcurrency(Path) caps the children running at once, and with no
 * tolerated failures one failed child fails the state (States.ExceedToleratedFailureThreshold).
 */
const definition = {
  StartAt: 'Fan',
  States: {
    Fan: {
      Type: 'Map',
      ItemsPath: '$.items',
      MaxConcurrencyPath: '$.n',
      ItemSelector: { 'value.$': '$$.Map.Item.Value', 'parent.$': '$$.Execution.Name', 'tag.$': '$.tag' },
      ItemProcessor: {
        ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' },
        StartAt: 'Work',
        States: {
          Work: {
            Type: 'Task',
            Resource: 'arn:aws:states:::lambda:invoke',
            Parameters: {
              FunctionName: 'arn:aws:lambda:us-east-1:000000000000:function:cachegate-probe-item',
              Payload: {
                'value.$': '$.value',
                'parent.$': '$.parent',
                'tag.$': '$.tag',
                'self.$': '$$.Execution.Name',
              },
            },
            ResultSelector: { 'out.$': '$.Payload' },
            End: true,
          },
        },
      },
      ResultPath: '$.results',
      End: true,
    },
  },
};

let sandbox: Sandbox;
let inFlight = 0;
let peak = 0;
const handlers = {
  'probe-item': async (event: { value: string; parent: string; tag: string; self: string }) => {
    peak = Math.max(peak, (inFlight += 1));
    await new Promise((resolve) => setTimeout(resolve, 5));
    inFlight -= 1;
    if (event.value === 'boom') throw new Error('item failed');
    return event;
  },
};
const load = () =>
  LocalStateMachine.load('rotate-all', { sandbox, transform: () => JSON.stringify(definition), handlers });

beforeAll(async () => {
  sandbox = await createSandbox({ speed: 1000 });
});
afterAll(async () => {
  await sandbox.close();
});

describe('Distributed Map in the local runner', () => {
  it('runs each item as its own child execution, in item order, at most MaxConcurrency at once', async () => {
    peak = 0;
    const items = Array.from({ length: 12 }, (_, i) => `item-${i}`);
    const run = await load().run({ items, n: 3, tag: 't' });
    expect(run.status).toBe('SUCCEEDED');
    const parentName = run.executionArn.split(':').pop();
    const results = (
      run.output as { results: { out: { value: string; parent: string; self: string; tag: string } }[] }
    ).results;
    expect(results.map((r) => r.out.value)).toEqual(items);
    expect(new Set(results.map((r) => r.out.parent))).toEqual(new Set([parentName]));
    expect(results.every((r) => r.out.tag === 't')).toBe(true);
    const selves = results.map((r) => r.out.self);
    expect(new Set(selves).size).toBe(items.length);
    expect(selves).not.toContain(parentName);
    expect(run.mapRuns).toHaveLength(1);
    expect(run.mapRuns[0]).toMatchObject({ stateName: 'Fan', maxConcurrency: 3, peakConcurrency: 3 });
    expect(run.mapRuns[0]?.executions.map((e) => e.executionArn.split(':').pop())).toEqual(selves);
    expect(peak).toBe(3);
  });

  it('fails the state when a child fails, and stops the children still running', async () => {
    const items = ['a', 'b', 'boom', ...Array.from({ length: 20 }, (_, i) => `late-${i}`)];
    const run = await load().run({ items, n: 2, tag: 't' });
    expect(run.status).toBe('FAILED');
    expect(run.error).toBe('States.ExceedToleratedFailureThreshold');
    const started = run.mapRuns[0]?.executions.filter((e) => e !== undefined) ?? [];
    expect(started.length).toBeLessThan(items.length);
    expect(started.find((e) => e.status === 'FAILED')?.error).toBe('Error');
  });
});

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Context } from 'aws-lambda';
import * as z from 'zod';
import { captureHandlerLogs } from '../../workflows/handler-logs.js';

/**
 * The handler wrapper every Lambda uses. What it adds to a function's log is what CloudWatch
 * stores (and alarms may watch) for every invocation of every function.
 */
const capture = captureHandlerLogs();
let lambdaHandler: typeof import('../../../functions/commons/lambda-handler.js').lambdaHandler;
beforeAll(async () => {
  // At INFO, as deployed: a warning or an info line from the wrapper itself would show.
  process.env.POWERTOOLS_LOG_LEVEL = 'INFO';
  ({ lambdaHandler } = await import('../../../functions/commons/lambda-handler.js'));
});
afterAll(() => capture.stop());

const context = {
  functionName: 'cachegate-test',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:111111111111:function:cachegate-test',
  memoryLimitInMB: '256',
  awsRequestId: 'req-wrapper-1',
  getRemainingTimeInMillis: () => 60_000,
} as unknown as Context;

describe('lambdaHandler (the wrapper of every function)', () => {
  it('adds no log line of its own to a call that logs nothing', async () => {
    const handler = lambdaHandler(z.object({ name: z.string() }), async ({ name }) => `hello ${name}`);
    capture.lines.length = 0;
    await expect(handler({ name: 'ada' }, context)).resolves.toBe('hello ada');
    await expect(handler({ name: 'bob' }, context)).resolves.toBe('hello bob');
    expect(capture.lines).toEqual([]);
  });

  it("turns off zod's compiled object parsers: a cold start would compile each for one parse", () => {
    expect(z.config().jitless).toBe(true);
  });

  it('refuses a malformed event with a ValidationError naming the field, before the work runs', async () => {
    let ran = false;
    const handler = lambdaHandler(z.object({ name: z.string() }), async () => (ran = true));
    await expect(handler({ name: 42 }, context)).rejects.toMatchObject({
      name: 'ValidationError',
      message: expect.stringContaining('name'),
    });
    expect(ran).toBe(false);
  });
});

import * as z from 'zod/mini';
import { describeExecution } from '../aws/step-functions.js';
import { lambdaHandler } from '../commons/lambda-handler.js';
import { CachegateError } from '../core/errors.js';

const inputSchema = z.object({ executionArn: z.string().check(z.minLength(1)) });

/** Polled between Wait states: only the status goes back into the workflow, not the output. */
export const handler = lambdaHandler(inputSchema, async ({ executionArn }) => {
  const execution = await describeExecution(executionArn);
  // start-fulfilment started it: an unknown execution is a fault, not a status.
  if (!execution) throw new CachegateError('EXECUTION_NOT_FOUND', `no execution ${executionArn}`);
  const { status, error } = execution;
  return { status, ...(error ? { error } : {}) };
});

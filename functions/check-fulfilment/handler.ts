import * as z from 'zod';
import { describeExecution } from '../aws/step-functions.js';
import { lambdaHandler } from '../commons/lambda-handler.js';

const inputSchema = z.object({ executionArn: z.string().min(1) });

/** Polled between Wait states: only the status goes back into the workflow, not the output. */
export const handler = lambdaHandler(inputSchema, async ({ executionArn }) => {
  const { status, error } = await describeExecution(executionArn);
  return { status, ...(error ? { error } : {}) };
});

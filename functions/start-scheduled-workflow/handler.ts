import * as z from 'zod/mini';
import { lambdaHandler } from '../commons/lambda-handler.js';
import { logger } from '../commons/powertools.js';
import { startScheduledWorkflow } from './start.js';

const inputSchema = z.object({
  workflow: z.string().check(z.regex(/^[a-z][a-z0-9-]{0,63}$/, 'must be a workflow name')),
  scheduledTime: z.iso.datetime({ offset: true }),
  periodMinutes: z.int().check(z.positive()),
  /** A workflow scheduled per resource: the resource's ID ends the execution name. */
  key: z.optional(
    z.string().check(z.regex(/^[a-z][a-z0-9-]{0,39}$/, 'must be 1-40 lower-case letters, digits or hyphens')),
  ),
  input: z._default(z.record(z.string(), z.unknown()), {}),
});

/**
 * Invoked by EventBridge Scheduler (infra/constructs/schedules.ts): starts the workflow once for
 * the scheduled period; a repeated delivery for the same period starts nothing.
 */
export const handler = lambdaHandler(inputSchema, async (event) => {
  const result = await startScheduledWorkflow(
    { ...event, scheduledTime: new Date(event.scheduledTime) },
    process.env,
  );
  logger.info(
    result.started ? 'scheduled workflow started' : 'scheduled workflow already started for this period',
    {
      workflow: result.workflow,
      executionName: result.executionName,
    },
  );
  return result;
});

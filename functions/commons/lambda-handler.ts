import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { Context } from 'aws-lambda';
import * as z from 'zod/mini';
import { parseInput } from '../core/parse-input.js';
import { logger } from './powertools.js';

// zod compiles a faster parser for each object schema (`new Function`) at its first parse; a
// Lambda parses a handful of objects per invocation, and a cold start paid that compilation in
// full for parses it made once (~0.5 ms per object schema, docs/cold-start.md).
z.config({ jitless: true });

/**
 * The house style for a cachegate Lambda: middy with the Powertools Logger, the event
 * parsed with zod before anything else (a bad event fails with a `ValidationError` naming the
 * field), then one call into core/ or an adapter.
 * The event itself is never logged: it may carry request details we do not want in logs.
 * No Powertools Tracer: Lambda's active tracing already records each invocation, and the Tracer's
 * X-Ray SDK cost ~45 ms of every cold start (docs/cold-start.md).
 */
export function lambdaHandler<S extends z.core.$ZodType, R>(
  schema: S,
  work: (input: z.infer<S>, context: Context) => Promise<R>,
) {
  return middy(async (event: unknown, context: Context) => work(parseInput(schema, event), context)).use(
    injectLambdaContext(logger, { resetKeys: true }),
  );
}

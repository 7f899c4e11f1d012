/**
 * What the Lambda handlers print when the CLI, the demo or `serve` runs them in-process: their
 * JSON log lines and Powertools' "No application metrics to publish" warnings are for CloudWatch,
 * not for an operator's terminal. Quiet unless `verbose`. Must run before a handler module is
 * imported: Powertools reads these variables when its Logger and Metrics are created.
 */
export function quietLambdaOutput(verbose = false): void {
  if (verbose) return;
  process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
  process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
}

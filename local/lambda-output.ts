/**
 * What the Lambda handlers print when the CLI, the demo or `serve` runs them in-process: their
 * JSON log lines are for CloudWatch, not for an operator's terminal. Quiet unless `verbose`. Must
 * run before a handler module is imported: Powertools reads the level when its Logger is created.
 */
export function quietLambdaOutput(verbose = false): void {
  if (verbose) return;
  process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
}

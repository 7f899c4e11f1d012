/**
 * The handlers' log lines, for the leak scans of the rotation suites: Powertools at DEBUG, every
 * console line captured instead of printed. Start it in `beforeAll`, before any handler loads
 * (the shared Logger reads its level when it is made, at the first handler's import).
 */
const CONSOLE_METHODS = ['log', 'info', 'warn', 'error', 'debug', 'trace'] as const;

export function captureHandlerLogs(): { lines: string[]; stop: () => Promise<void> } {
  const lines: string[] = [];
  const saved = CONSOLE_METHODS.map((m) => console[m]);
  process.env.POWERTOOLS_LOG_LEVEL = 'DEBUG';
  for (const method of CONSOLE_METHODS)
    console[method] = (...args: unknown[]) => void lines.push(args.map(String).join(' '));
  return {
    lines,
    /** For `afterAll`: the console back, and the Logger silenced. */
    stop: async () => {
      CONSOLE_METHODS.forEach((m, i) => (console[m] = saved[i] as (typeof console)[typeof m]));
      process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
      // The shared Logger stays at DEBUG once made: a native rotation still finishing after the
      // file would log after its tests are done, which Jest counts as a failure of the whole run
      // (exit 1, no failing test named). Imported only now, so as not to make it before the level
      // was set.
      (await import('../../functions/commons/powertools.js')).logger.setLogLevel('SILENT');
    },
  };
}

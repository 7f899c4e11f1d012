import { parseArgs } from 'node:util';
import { CachegateError } from '../../../functions/core/errors.js';
import { buildCrlCommand } from './crl-actions.js';

/**
 * `cachegate crl build` without commander: it is benchmarked against `openssl ca -gencrl` as a
 * whole process, and commander alone takes ~13 ms to load. bin/cachegate loads this module
 * (bundled into one file by scripts/build.mjs) for `crl build`; for anything it does not accept
 * as-is (--help, an unknown or missing option) it returns false and the full CLI handles the
 * arguments, with commander's messages. Same options, messages and exit codes as the full CLI.
 */
export async function runCrlBuild(
  args: string[],
  /** dist/crl-index-scan.wasm (the caller knows where dist/ is); without it the scan runs in JavaScript. */
  scannerWasm?: string,
): Promise<boolean> {
  let values: { store?: string; out?: string; days?: string; debug?: boolean };
  try {
    ({ values } = parseArgs({
      args,
      options: {
        store: { type: 'string' },
        out: { type: 'string' },
        days: { type: 'string' },
        debug: { type: 'boolean' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch {
    return false;
  }
  if (values.store === undefined || values.out === undefined) return false;
  try {
    await buildCrlCommand({
      store: values.store,
      out: values.out,
      ...(values.days === undefined ? {} : { days: values.days }),
      ...(scannerWasm === undefined ? {} : { scannerWasm }),
    });
  } catch (error) {
    process.exitCode = reportError(error, values.debug === true);
  }
  return true;
}

/** One line on stderr, as bin/cli/main.ts prints it; returns the exit code. */
function reportError(error: unknown, debug: boolean): number {
  const typed = error instanceof CachegateError;
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(typed ? `cachegate: ${message}\n` : `cachegate: unexpected error: ${message}\n`);
  if (debug && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
  return typed ? error.exitCode : 1;
}

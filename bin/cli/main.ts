import { Command, CommanderError } from 'commander';
import { readFileSync } from 'node:fs';
import { CachegateError } from '../../functions/core/errors.js';
import { registerCommands } from './commands.js';

function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

export function buildProgram(): Command {
  const program: Command = new Command('cachegate')
    .description(
      'Secure, audited access to ElastiCache / MemoryDB: RBAC users, password rotation, Client VPN certificates',
    )
    .version(packageVersion())
    .option('--debug', 'print stack traces on errors')
    .option(
      '--allow-insecure-key',
      'use a CA private key that group or others may read (warns; refused without it)',
    )
    .hook('preAction', async () => {
      if (program.opts<{ allowInsecureKey?: boolean }>().allowInsecureKey !== true) return;
      const { allowInsecureCaKey } = await import('./pki/file-signer.js');
      allowInsecureCaKey(true);
    })
    .showHelpAfterError('(run "cachegate --help" for usage)')
    .exitOverride();
  registerCommands(program);
  return program;
}

/** Runs the CLI; maps typed errors to one-line messages and exit codes (2 = bad usage/input). */
export async function run(argv: string[]): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (error) {
    process.exitCode = exitCodeFor(error, program.opts<{ debug?: boolean }>().debug === true);
  }
}

function exitCodeFor(error: unknown, debug: boolean): number {
  if (error instanceof CommanderError) {
    // Commander already printed the message (or the help/version text).
    return error.exitCode === 0 ? 0 : 2;
  }
  if (error instanceof CachegateError) {
    process.stderr.write(`cachegate: ${error.message}\n`);
    if (debug && error.stack) process.stderr.write(`${error.stack}\n`);
    return error.exitCode;
  }
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`cachegate: unexpected error: ${message}\n`);
  if (debug && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
  return 1;
}

import type { Command } from 'commander';
import { registerDemoCommand } from './demo-command.js';
import { registerPkiCommands } from './pki-commands.js';

/**
 * Each capability registers its command group here. Command modules only declare options;
 * their actions import the implementation lazily so `cachegate crl build` does not pay for the
 * AWS SDK or the sandbox at start-up.
 */
export function registerCommands(program: Command): void {
  registerDemoCommand(program);
  registerPkiCommands(program);
}

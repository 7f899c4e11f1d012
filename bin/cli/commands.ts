import type { Command } from 'commander';
import { registerApprovalCommands } from './approval/approval-commands.js';
import { registerAuditCommands } from './audit/audit-commands.js';
import { registerDemoCommand } from './demo-command.js';
import { registerPkiCommands } from './pki/pki-commands.js';
import { registerRbacCommands } from './rbac/rbac-commands.js';
import { registerRotateCommands } from './rotate/rotate-commands.js';
import { registerServeCommands } from './serve-commands.js';
import { registerVpnCommands } from './vpn/vpn-commands.js';
import { registerVpnCrlCommands } from './vpn/vpn-crl-commands.js';

/**
 * Each capability registers its command group here. Command modules only declare options;
 * their actions import the implementation lazily so `cachegate crl build` does not pay for the
 * AWS SDK or the sandbox at start-up.
 */
export function registerCommands(program: Command): void {
  registerDemoCommand(program);
  registerPkiCommands(program);
  registerRbacCommands(program);
  registerRotateCommands(program);
  registerVpnCommands(program);
  registerVpnCrlCommands(program);
  registerServeCommands(program);
  registerApprovalCommands(program);
  registerAuditCommands(program);
}

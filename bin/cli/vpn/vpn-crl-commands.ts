import type { Command } from 'commander';

const target = (command: Command) =>
  command
    .option(
      '--state-machine-arn <arn>',
      'start the deployed workflow in AWS (cachegate-revoke-certificate / cachegate-refresh-crl)',
    )
    .option('--wait', 'with --state-machine-arn: wait for the execution and print its result')
    .option('--store <dir>', 'local run: the CA store (easy-rsa pki/) the sandbox endpoints trust')
    .option('--endpoints <n>', 'local run: how many simulated Client VPN endpoints (default 1)');

/**
 * `revoke` (revoke-certificate workflow) and `crl refresh` (refresh-crl workflow): in AWS with
 * `--state-machine-arn`, or locally in the embedded sandbox against a CA store. Must be registered
 * after the PKI commands: `crl refresh` joins their `crl` group.
 */
export function registerVpnCrlCommands(program: Command): void {
  target(
    program
      .command('revoke')
      .description('revoke a client certificate and push the new CRL to every Client VPN endpoint (workflow)')
      .option('--cn <cn>', 'common name of the certificate to revoke')
      .option('--serial <hex>', 'serial of the certificate to revoke')
      .option('--reason <reason>', 'RFC 5280 reason, e.g. keyCompromise')
      .option('--requested-by <who>', 'recorded in the audit event (default $USER)')
      .option('--request-id <id>', 'recorded in the audit event'),
  ).action(async (options: Parameters<typeof import('./vpn-crl-actions.js').revokeCommand>[0]) => {
    const { revokeCommand } = await import('./vpn-crl-actions.js');
    await revokeCommand(options);
  });
  const crl =
    program.commands.find((c) => c.name() === 'crl') ??
    program.command('crl').description('certificate revocation lists');
  target(
    crl
      .command('refresh')
      .description('import the current CRL on every Client VPN endpoint that needs it (workflow)')
      .option('--requested-by <who>', 'recorded in the audit trail (default $USER)'),
  ).action(async (options: Parameters<typeof import('./vpn-crl-actions.js').refreshCrlCommand>[0]) => {
    const { refreshCrlCommand } = await import('./vpn-crl-actions.js');
    await refreshCrlCommand(options);
  });
}

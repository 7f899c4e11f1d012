import type { Command } from 'commander';
import type { AuditOptions } from './audit-actions.js';

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

/**
 * `cachegate audit`: the posture report (findings with severity, resource, evidence and fix) of
 * the local sandbox account or, with --aws, of one or more regions. Actions import lazily.
 */
export function registerAuditCommands(program: Command): void {
  program
    .command('audit')
    .description(
      'posture report: open caches and default users, admin-like and unmanaged users, password and rotation age, CRL and certificate expiry, Client VPN exposure',
    )
    .option(
      '--aws',
      'audit the AWS account of the credentials in the environment (default: the local sandbox)',
    )
    .option('--region <region>', 'with --aws: a region to audit (repeatable; default AWS_REGION)', collect)
    .option('--json', 'print the report as JSON (events/schemas/posture-report.v1.json)')
    .option('--html', 'print the report as one self-contained HTML page')
    .option('--out <file>', 'write the report to this file instead of standard output')
    .option('--fail-on <severity>', 'exit 3 when a finding is at or above critical|high|medium|low|info')
    .option(
      '--cache-cidr <cidr>',
      'with --aws: a cache subnet CIDR; Client VPN authorization rules reaching beyond these are reported (repeatable)',
      collect,
    )
    .option(
      '--ca-secret-arn <arn>',
      "with --aws: the stack's CA certificate secret (CaCertificateSecretArn output)",
    )
    .option(
      '--certificates-table <name>',
      'with --aws: the certificate index table (CertificatesTableName output)',
    )
    .option('--crl-table <name>', "with --aws: the CRL store table (the CA's latest CRL)")
    .option('--rotation-days <n>', 'a password older than this is overdue (default 30)')
    .option('--crl-days <n>', 'warn when a CRL reaches nextUpdate within this many days (default 7)')
    .option(
      '--server-cert-days <n>',
      'warn when a server certificate expires within this many days (default 30)',
    )
    .option(
      '--client-cert-days <n>',
      'warn when a client certificate expires within this many days (default 30)',
    )
    .option(
      '--sandbox <account>',
      'local only: the sandbox account to audit, seeded (one of each problem, the default) or clean',
    )
    .addHelpText(
      'after',
      '\nExit codes: 0 = report written (and no finding at or above --fail-on), 3 = a finding at or above --fail-on, 2 = bad arguments, 1 = an AWS call failed.',
    )
    .action(async (options: AuditOptions) => {
      const actions = await import('./audit-actions.js');
      await actions.audit(options);
    });
}

import type { Command } from 'commander';

/**
 * `vpn ca-init` (the stack CA's certificate), `vpn bootstrap` (server certificate staged for ACM)
 * and `vpn profile` (a client's .ovpn).
 */
export function registerVpnCommands(program: Command): void {
  const vpn = program
    .command('vpn')
    .description('Client VPN access to the cache: server certificate for ACM, client profiles');
  vpn
    .command('ca-init')
    .description(
      "put the stack CA's certificate (self-signed by its KMS key) into its certificate secret; idempotent",
    )
    .requiredOption(
      '--kms-key-arn <arn>',
      'the stack CA signing key (CA_KMS_KEY_ARN of cachegate-issue-client-certificate)',
    )
    .requiredOption('--ca-secret-arn <arn>', 'the CA certificate secret (CA_CERT_SECRET_ARN)')
    .option('--cn <name>', 'CA common name (default "cachegate Client VPN CA")')
    .option('--days <n>', 'CA validity in days (default 3650)')
    .option('--region <region>', "AWS region (default: AWS_REGION, else the key ARN's region)")
    .action(
      async (options: {
        kmsKeyArn: string;
        caSecretArn: string;
        cn?: string;
        days?: string;
        region?: string;
      }) => {
        const { caInitCommand } = await import('./vpn-actions.js');
        await caInitCommand(options);
      },
    );
  vpn
    .command('bootstrap')
    .description(
      'issue the Client VPN server certificate and stage it for "aws acm import-certificate": from the deployed stack\'s CA (--ca-secret-arn, KMS-signed) or from a CA store (--store)',
    )
    .option('--store <dir>', 'CA store (a cachegate or easy-rsa pki/ directory): stages in <store>/acm/')
    .option('--ca-secret-arn <arn>', "the stack CA's certificate secret (CA_CERT_SECRET_ARN)")
    .option('--kms-key-arn <arn>', "the stack CA's signing key (CA_KMS_KEY_ARN)")
    .option(
      '--table <name>',
      "the stack's certificates table (CERTIFICATES_TABLE): the certificate is recorded there",
    )
    .option('--out <dir>', 'with --ca-secret-arn: where to stage server.crt, server.key and ca-chain.crt')
    .option('--server-cn <dns-name>', 'server certificate common name (default "server", as the AWS guide)')
    .option('--days <n>', 'validity of a newly issued server certificate in days (default 825)')
    .option(
      '--region <region>',
      "with --ca-secret-arn: AWS region (default: AWS_REGION, else the key ARN's region)",
    )
    .option('--json', 'JSON output (staged paths and the import command)')
    .action(
      async (options: {
        store?: string;
        caSecretArn?: string;
        kmsKeyArn?: string;
        table?: string;
        out?: string;
        serverCn?: string;
        days?: string;
        region?: string;
        json?: boolean;
      }) => {
        const { bootstrapCommand } = await import('./vpn-actions.js');
        await bootstrapCommand(options);
      },
    );
  vpn
    .command('profile')
    .description(
      "write a client's .ovpn (CA, certificate, key; mode 0600) for a Client VPN endpoint, from a CA store or from the secret the issue-certificate workflow wrote",
    )
    .option('--store <dir>', 'CA store holding issued/<cn>.crt and private/<cn>.key (with --cn)')
    .option('--cn <cn>', 'common name of the client certificate (with --secret: checked against it)')
    .option(
      '--secret <arn>',
      'Secrets Manager secret cachegate/vpn-client/<cn> (ARN or name) written by the issue-certificate workflow',
    )
    .requiredOption('--endpoint <cvpn-endpoint-id>', 'Client VPN endpoint ID')
    .requiredOption('--out <file>', 'profile to write')
    .option(
      '--dns-name <dns-name>',
      "the endpoint's DNS name: skips the EC2 DescribeClientVpnEndpoints lookup",
    )
    .option(
      '--region <region>',
      "AWS region of the endpoint and the secret (default: the secret ARN's region, else the AWS SDK configuration)",
    )
    .action(
      async (options: {
        store?: string;
        cn?: string;
        secret?: string;
        endpoint: string;
        out: string;
        dnsName?: string;
        region?: string;
      }) => {
        const { profileCommand } = await import('./vpn-actions.js');
        await profileCommand(options);
      },
    );
}

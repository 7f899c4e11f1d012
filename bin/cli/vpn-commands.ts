import type { Command } from 'commander';

/** `vpn bootstrap` (server certificate staged for ACM) and `vpn profile` (a client's .ovpn). */
export function registerVpnCommands(program: Command): void {
  const vpn = program
    .command('vpn')
    .description('Client VPN access to the cache: server certificate for ACM, client profiles');
  vpn
    .command('bootstrap')
    .description(
      'issue (or reuse) the Client VPN server certificate and stage it in <store>/acm/ for "aws acm import-certificate"',
    )
    .requiredOption('--store <dir>', 'CA store (a cachegate or easy-rsa pki/ directory)')
    .option('--server-cn <dns-name>', 'server certificate common name (default "server", as the AWS guide)')
    .option('--days <n>', 'validity of a newly issued server certificate in days (default 825)')
    .option('--json', 'JSON output (staged paths and the import command)')
    .action(async (options: { store: string; serverCn?: string; days?: string; json?: boolean }) => {
      const { bootstrapVpn } = await import('../../local/vpn/vpn-actions.js');
      await bootstrapVpn(options);
    });
  vpn
    .command('profile')
    .description("write a client's .ovpn (CA, certificate, key; mode 0600) for a Client VPN endpoint")
    .requiredOption('--store <dir>', 'CA store holding issued/<cn>.crt and private/<cn>.key')
    .requiredOption('--cn <cn>', 'common name of the client certificate')
    .requiredOption('--endpoint <cvpn-endpoint-id>', 'Client VPN endpoint ID')
    .requiredOption('--out <file>', 'profile to write')
    .option(
      '--dns-name <dns-name>',
      "the endpoint's DNS name: skips the EC2 DescribeClientVpnEndpoints lookup",
    )
    .option('--region <region>', 'AWS region of the endpoint (default: the AWS SDK configuration)')
    .action(
      async (options: {
        store: string;
        cn: string;
        endpoint: string;
        out: string;
        dnsName?: string;
        region?: string;
      }) => {
        const { profileCommand } = await import('../../local/vpn/vpn-actions.js');
        await profileCommand(options);
      },
    );
}

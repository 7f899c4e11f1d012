import { Option, type Command } from 'commander';

/**
 * `pki`, `cert` and `crl` command groups. Options only: each action imports its implementation
 * lazily, and `crl build` imports nothing but the CRL path (it is benchmarked as a whole process).
 */
export function registerPkiCommands(program: Command): void {
  const pki = program
    .command('pki')
    .description('certificate authority store (easy-rsa compatible pki/ directory)');
  pki
    .command('init')
    .description('create a new CA (RSA-2048, self-signed) in an easy-rsa layout store')
    .requiredOption('--store <dir>', 'store directory to create (must not exist or be empty)')
    .requiredOption('--cn <ca-name>', 'common name of the CA')
    .option('--days <n>', 'CA certificate validity in days (default 3650)')
    .action(async (options: { store: string; cn: string; days?: string }) => {
      const { initPki } = await import('./pki-actions.js');
      await initPki(options);
    });
  pki
    .command('import-easyrsa')
    .description('validate an existing easy-rsa pki/ and copy it into a store (or adopt it in place)')
    .requiredOption('--from <easyrsa-pki-dir>', 'the easy-rsa pki/ directory')
    .requiredOption('--store <dir>', 'destination store (same path as --from adopts it in place)')
    .action(async (options: { from: string; store: string }) => {
      const { importEasyRsa } = await import('./pki-actions.js');
      await importEasyRsa(options);
    });

  const cert = program.command('cert').description('issue, revoke and list client and server certificates');
  cert
    .command('issue')
    .description('issue a certificate from a CSR, or with a generated RSA-2048 key')
    .requiredOption('--store <dir>', 'CA store')
    .requiredOption('--cn <cn>', 'common name')
    .option('--csr <file>', 'PEM PKCS#10 request (the private key stays with the requester)')
    .option('--server', 'server certificate (serverAuth) instead of a client certificate')
    .option('--out <dir>', 'also write <cn>.crt (and <cn>.key) into this directory')
    .option('--days <n>', 'validity in days (default 825, as easy-rsa)')
    .option('--remote <dns-name>', 'with --out: also write <cn>.ovpn for this Client VPN endpoint')
    .action(async (options: Record<string, string | boolean | undefined>) => {
      const { issueCert } = await import('./pki-actions.js');
      await issueCert(options as unknown as Parameters<typeof issueCert>[0]);
    });
  cert
    .command('revoke')
    .description('revoke a certificate (then run "crl build")')
    .requiredOption('--store <dir>', 'CA store')
    .addOption(new Option('--cn <cn>', 'common name of the valid certificate to revoke').conflicts('serial'))
    .option('--serial <hex>', 'serial number of the certificate to revoke')
    .option(
      '--reason <reason>',
      'RFC 5280 reason: unspecified, keyCompromise, CACompromise, affiliationChanged, superseded, cessationOfOperation, certificateHold',
    )
    .action(async (options: { store: string; cn?: string; serial?: string; reason?: string }) => {
      const { revokeCert } = await import('./pki-actions.js');
      await revokeCert(options);
    });
  cert
    .command('renew')
    .description(
      'issue the successor of a client certificate (same CN, new serial); the predecessor is revoked by the first CRL built after the grace period',
    )
    .requiredOption('--store <dir>', 'CA store')
    .requiredOption('--cn <cn>', 'common name of the valid certificate to renew')
    .option('--grace-days <n>', 'days the predecessor stays valid, 0-90 (default 7)')
    .option('--csr <file>', 'PEM PKCS#10 request for the successor (the private key stays with the holder)')
    .option('--days <n>', 'validity of the successor in days (default 825, as easy-rsa)')
    .option('--out <dir>', 'also write <cn>.crt (and <cn>.key) into this directory')
    .option('--remote <dns-name>', 'with --out: also write <cn>.ovpn for this Client VPN endpoint')
    .action(async (options: Record<string, string | undefined>) => {
      const { renewCert } = await import('./pki-actions.js');
      await renewCert(options as unknown as Parameters<typeof renewCert>[0]);
    });
  cert
    .command('list')
    .description('list the certificate index')
    .requiredOption('--store <dir>', 'CA store')
    .option('--json', 'JSON output')
    .action(async (options: { store: string; json?: boolean }) => {
      const { listCerts } = await import('./pki-actions.js');
      await listCerts(options);
    });

  const crl = program.command('crl').description('build and verify certificate revocation lists');
  crl
    .command('build')
    .description('build and sign the next CRL from the store index, verify it, and write it')
    .requiredOption('--store <dir>', 'CA store')
    .requiredOption('--out <file>', 'PEM output file (the store crl.pem is updated too)')
    .option('--days <n>', 'validity (nextUpdate) in days (default 180, as easy-rsa)')
    .action(async (options: { store: string; out: string; days?: string }) => {
      const { buildCrlCommand } = await import('./crl-actions.js');
      await buildCrlCommand(options);
    });
  crl
    .command('verify')
    .description('check a CRL: parses, issuer and signature match the CA, not expired, <= 20,000 entries')
    .requiredOption('--ca <ca.crt>', 'CA certificate (PEM)')
    .requiredOption('--crl <file>', 'CRL (PEM or DER)')
    .option('--min-days <n>', 'fail if nextUpdate is less than this many days away (default 0)')
    .option('--json', 'JSON report (exit 1 when invalid)')
    .action(async (options: { ca: string; crl: string; json?: boolean; minDays?: string }) => {
      const { verifyCrlCommand } = await import('./crl-actions.js');
      await verifyCrlCommand(options);
    });
}

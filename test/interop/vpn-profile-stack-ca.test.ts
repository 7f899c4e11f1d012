import { afterAll, afterEach, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CERTIFICATES_TABLE } from '../../functions/aws/table-definitions.js';
import { createSandbox, type Sandbox } from '../../local/sandbox/index.js';
import { createTables } from '../../local/sandbox/tables.js';
import { caInitCommand, stackBootstrapCommand, writeVpnProfile } from '../../bin/cli/vpn/vpn-actions.js';
import { deployedCa, issueClientCertificate } from '../unit/vpn/stack-ca-fixture.js';
import {
  SERVER_BOUND,
  startLoopbackServer,
  forLoopback,
  startOpenVpn,
  stopOpenVpnProcesses,
  type OpenVpnProcess,
} from './openvpn-harness.js';
import { cachegate, tempDir } from './pki/tools.js';
import { requireBinary } from './require-binary.js';

/**
 * The deployed setup with one CA, against a real OpenVPN 2.6 server on loopback: the stack CA
 * (KMS key and certificate secret, on the sandbox) issues the server certificate (`vpn bootstrap
 * --ca-secret-arn`, the files staged for ACM serve as the server's) and, through the
 * issue-certificate workflow, alice's client certificate; `vpn profile --secret` writes her
 * `.ovpn` from that workflow's secret.
 */
const describeIf = requireBinary('openvpn') ? describe : describe.skip;

const ENDPOINT = 'cvpn-endpoint-0123456789abcdef0';
const DNS_NAME = `*.${ENDPOINT}.prod.clientvpn.eu-west-1.amazonaws.com`;

afterEach(stopOpenVpnProcesses);

describeIf(
  'a profile from the issue-certificate secret against a server certificate from the stack CA',
  () => {
    let sandbox: Sandbox;
    let dir: string;
    let profile: string;
    let staged: { cert: string; key: string; ca: string };

    beforeAll(async () => {
      jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
      dir = tempDir('vpn-stack-ca');
      // Real time: the certificates must be valid for the real openvpn.
      sandbox = await createSandbox({ speed: 1 });
      await createTables();
      const ca = await deployedCa();
      await caInitCommand({ ...ca, cn: 'Stack VPN CA' }, () => undefined);
      const server = await stackBootstrapCommand(
        { ...ca, table: CERTIFICATES_TABLE.localName, out: join(dir, 'acm') },
        () => undefined,
      );
      staged = { cert: server.certificate, key: server.privateKey, ca: server.certificateChain };
      const { secretArn } = await issueClientCertificate(sandbox, ca, 'alice');
      const out = join(dir, 'alice.ovpn');
      await writeVpnProfile({ secret: secretArn, endpoint: ENDPOINT, dnsName: DNS_NAME, out });
      profile = readFileSync(out, 'utf8');
    }, 60_000);

    afterAll(async () => {
      jest.restoreAllMocks();
      delete process.env.CA_KMS_KEY_ARN;
      delete process.env.CA_CERT_SECRET_ARN;
      await sandbox.close();
    });

    async function connect(server: { cert: string; key: string; ca: string }, name: string) {
      const { server: serverProcess, port } = await startLoopbackServer(server);
      if (!(await serverProcess.waitFor(SERVER_BOUND, 15_000))) {
        throw new Error(`openvpn server did not start:\n${serverProcess.output()}`);
      }
      const config = join(dir, `${name}.ovpn`);
      writeFileSync(config, forLoopback(profile, port), { mode: 0o600 });
      const client: OpenVpnProcess = startOpenVpn(['--config', config, '--hand-window', '20']);
      return { server: serverProcess, client };
    }

    it('completes the TLS handshake both ways: one CA for the server and the client certificates', async () => {
      const { server, client } = await connect(staged, 'loopback');
      const done = await client.waitFor(/Initialization Sequence Completed/, 30_000);
      expect({ done, log: done ? '' : `${server.output()}\n---\n${client.output()}` }).toEqual({
        done: true,
        log: '',
      });
      expect(client.output()).toMatch(/VERIFY EKU OK/);
      expect(client.output()).toMatch(/\[server\] Peer Connection Initiated/);
      expect(await server.waitFor(/\[alice\] Peer Connection Initiated/, 15_000)).toBe(true);
    }, 60_000);

    it('is refused by a server whose certificate comes from another CA (the two-CA setup)', async () => {
      const other = join(dir, 'easy-rsa-pki');
      for (const args of [
        ['pki', 'init', '--store', other, '--cn', 'Local VPN CA'],
        ['vpn', 'bootstrap', '--store', other],
      ]) {
        const r = cachegate(args);
        if (r.status !== 0) throw new Error(`cachegate ${args.join(' ')}: ${r.stderr}`);
      }
      const acm = (file: string) => join(other, 'acm', file);
      const { server, client } = await connect(
        { cert: acm('server.crt'), key: acm('server.key'), ca: acm('ca-chain.crt') },
        'two-ca',
      );
      const refused = await client.waitFor(/VERIFY ERROR|TLS Error|TLS handshake failed/, 30_000);
      expect({ refused, log: refused ? '' : client.output() }).toEqual({ refused: true, log: '' });
      expect(server.output()).not.toMatch(/Initialization Sequence Completed/);
    }, 60_000);
  },
);

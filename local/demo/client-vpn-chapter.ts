import { setCrlAuthority } from '../../functions/aws/crl-authority.js';
import type { CloudWatchModel } from '../sandbox/models/cloudwatch.js';
import type { Ec2ClientVpnModel } from '../sandbox/models/ec2-client-vpn/index.js';
import { MemoryCrlAuthority } from '../sandbox/memory-crl-authority.js';
import type { DemoContext } from './demo-context.js';

const SETTINGS = ['CLIENT_VPN_ENDPOINT_IDS', 'CRL_MAINTENANCE_WINDOW'];

/**
 * Client VPN revocation: two clients connected to two endpoints; alice's certificate is revoked,
 * the CRL is imported everywhere (which resets every connection), alice is cut off while bob
 * reconnects; then the scheduled refresh finds nothing to do and imports nothing.
 */
export async function clientVpnChapter({ sandbox, narrator, run }: DemoContext): Promise<void> {
  narrator.heading('Client VPN: revoke a certificate and refresh the CRL on every endpoint');
  const model = sandbox.model<Ec2ClientVpnModel>('EC2');
  const authority = await MemoryCrlAuthority.create('Demo VPN CA', sandbox.clock.now());
  setCrlAuthority(async () => authority);
  const saved = SETTINGS.map((key) => [key, process.env[key]] as const);
  try {
    const endpoints = ['eu-west-1 office', 'eu-west-1 remote'].map((description) =>
      model.seedEndpoint({ caCertPem: authority.caPem, description }),
    );
    process.env.CLIENT_VPN_ENDPOINT_IDS = endpoints.join(',');
    delete process.env.CRL_MAINTENANCE_WINDOW;
    narrator.step(`two Client VPN endpoints trust the CA "Demo VPN CA": ${endpoints.join(', ')}`);

    const now = sandbox.clock.now();
    const alice = await authority.issue('alice', now);
    const bob = await authority.issue('bob', now);
    narrator.step(`issued client certificates: alice (serial ${alice.serial}), bob (serial ${bob.serial})`);
    for (const endpoint of endpoints) {
      model.connectClient(endpoint, alice.pem, { reconnect: true });
      model.connectClient(endpoint, bob.pem, { reconnect: true });
    }
    const live = () =>
      endpoints
        .map(
          (e) =>
            `${e}: ${
              model
                .connections(e)
                .filter((c) => c.endedAt === undefined)
                .map((c) => c.commonName)
                .sort()
                .join(', ') || '-'
            }`,
        )
        .join('; ');
    narrator.detail(`connected: ${live()}`);

    narrator.step('alice reports her laptop stolen: revoke her certificate (keyCompromise)');
    const revoked = await run('revoke-certificate', {
      commonName: 'alice',
      reason: 'keyCompromise',
      requestedBy: 'security-oncall',
    });
    const output = revoked.output as {
      crlNumber: string;
      updatedEndpoints: string[];
      terminatedConnectionIds: string[];
    };
    narrator.step(
      `workflow ${revoked.status}: CRL #${output.crlNumber} active on ${output.updatedEndpoints.length} endpoint(s); alice's reconnected sessions terminated: ${output.terminatedConnectionIds.join(', ')}`,
    );
    for (const endpoint of endpoints) {
      const imported = model.crlImports.find((i) => i.endpointId === endpoint);
      narrator.detail(
        `${endpoint}: the import reset ${imported?.resetConnectionIds.length ?? 0} connection(s); clients reconnected`,
      );
    }
    for (const endpoint of endpoints) {
      const attempt = model.connectClient(endpoint, alice.pem);
      narrator.detail(
        `alice reconnects to ${endpoint}: ${attempt.connected ? 'ADMITTED' : `refused (${attempt.reason})`}`,
      );
    }
    narrator.detail(`connected now: ${live()}`);

    narrator.step(
      'the daily refresh runs: every endpoint already holds the current CRL, so nothing is imported',
    );
    const importsBefore = model.crlImports.length;
    const refreshed = await run('refresh-crl', { requestedBy: 'cachegate-schedule' });
    const metrics = sandbox
      .model<CloudWatchModel>('CloudWatch')
      .metrics.filter((m) => m.name === 'DaysUntilCrlExpiry')
      .slice(-endpoints.length);
    narrator.step(
      `workflow ${refreshed.status}: ${model.crlImports.length - importsBefore} import(s); DaysUntilCrlExpiry ${metrics.map((m) => `${m.dimensions.ClientVpnEndpointId}=${m.value}`).join(', ')}`,
    );
  } finally {
    for (const [key, value] of saved) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
    setCrlAuthority(undefined);
  }
}

import { describe, expect, it } from '@jest/globals';
import { summarizeDistribution } from '../../../functions/core/crl-refresh/distribution-summary.js';
import {
  decideEndpointRefresh,
  needsNewCrl,
  type ExpectedCrl,
} from '../../../functions/core/crl-refresh/endpoint-decision.js';
import { isWindowOpen, nextWindowOpening } from '../../../functions/core/crl-refresh/maintenance-window.js';
import type { ObservedCrl } from '../../../functions/core/crl-refresh/observed-crl.js';
import { parseDistributionSettings } from '../../../functions/core/crl-refresh/refresh-policy.js';
import { connectionsOfRevokedCertificate } from '../../../functions/core/crl-refresh/revoked-connections.js';
import { ValidationError } from '../../../functions/core/errors.js';

const DAY = 86_400_000;
const now = new Date('2025-06-04T12:00:00Z'); // a Wednesday
const inDays = (d: number) => new Date(now.getTime() + d * DAY);
const expected: ExpectedCrl = {
  sha256: 'e'.repeat(64),
  crlNumber: 5n,
  nextUpdate: inDays(180),
  serials: new Set(['0A', '0B']),
};
const observed = (o: Partial<ObservedCrl> = {}): ObservedCrl => ({
  sha256: expected.sha256,
  fromCa: true,
  crlNumber: 5n,
  nextUpdate: inDays(180),
  serials: new Set(['0A', '0B']),
  ...o,
});
const policy = { refreshMarginDays: 30, hardMarginDays: 7, maintenanceWindow: undefined };
const closedWindow = { startUtc: '02:00', durationMinutes: 120 };

describe('decideEndpointRefresh', () => {
  it('keeps an endpoint that holds the expected CRL: an import would drop every connection', () => {
    expect(decideEndpointRefresh(observed(), expected, policy, now).action).toBe('keep');
  });

  it('imports at once when revocations are not enforced, whatever the window', () => {
    const d = decideEndpointRefresh(
      observed({ sha256: 'x', crlNumber: 4n, serials: new Set(['0A']) }),
      expected,
      { ...policy, maintenanceWindow: closedWindow },
      now,
    );
    expect(d).toMatchObject({ action: 'import', urgent: true });
    expect(d.reasons[0]).toContain('1 revoked serial(s) are not enforced');
  });

  it('treats a CRL of another CA, a missing CRL and an expired CRL as urgent', () => {
    const w = { ...policy, maintenanceWindow: closedWindow };
    expect(decideEndpointRefresh(observed({ fromCa: false, sha256: 'x' }), expected, w, now)).toMatchObject({
      urgent: true,
    });
    expect(decideEndpointRefresh(undefined, expected, w, now)).toMatchObject({
      action: 'import',
      urgent: true,
    });
    expect(
      decideEndpointRefresh(observed({ nextUpdate: inDays(-1) }), expected, w, now).reasons[0],
    ).toContain('expired');
    expect(decideEndpointRefresh(observed({ nextUpdate: inDays(6) }), expected, w, now)).toMatchObject({
      urgent: true,
    });
  });

  it('defers routine imports (near expiry, same serials) to the maintenance window', () => {
    const d = decideEndpointRefresh(
      observed({ nextUpdate: inDays(20), sha256: 'x', crlNumber: 4n }),
      expected,
      { ...policy, maintenanceWindow: closedWindow },
      now,
    );
    expect(d).toMatchObject({ action: 'defer' });
    expect(d.action === 'defer' && d.windowOpensAt.toISOString()).toBe('2025-06-05T02:00:00.000Z');
    expect(decideEndpointRefresh(observed({ nextUpdate: inDays(20) }), expected, policy, now)).toMatchObject({
      action: 'import',
      urgent: false,
    });
  });

  it('leaves an endpoint that already holds a newer CRL of the CA', () => {
    expect(
      decideEndpointRefresh(observed({ sha256: 'n', crlNumber: 6n }), expected, policy, now).action,
    ).toBe('keep');
  });
});

describe('maintenance window', () => {
  it('opens on the given weekdays and runs past midnight', () => {
    const w = { weekdays: ['WED' as const], startUtc: '23:00', durationMinutes: 120 };
    expect(isWindowOpen(w, new Date('2025-06-04T23:30:00Z'))).toBe(true);
    expect(isWindowOpen(w, new Date('2025-06-05T00:59:00Z'))).toBe(true);
    expect(isWindowOpen(w, new Date('2025-06-05T01:00:00Z'))).toBe(false);
    expect(isWindowOpen(w, new Date('2025-06-05T23:30:00Z'))).toBe(false);
    expect(nextWindowOpening(w, new Date('2025-06-05T12:00:00Z')).toISOString()).toBe(
      '2025-06-11T23:00:00.000Z',
    );
  });
});

describe('settings', () => {
  it('reads endpoint IDs, margins and the window from the environment, with defaults', () => {
    expect(
      parseDistributionSettings({
        CLIENT_VPN_ENDPOINT_IDS: 'cvpn-endpoint-0a, cvpn-endpoint-0b',
        CRL_MAINTENANCE_WINDOW: '{"weekdays":["SUN"],"startUtc":"03:00","durationMinutes":60}',
      }),
    ).toEqual({
      endpointIds: ['cvpn-endpoint-0a', 'cvpn-endpoint-0b'],
      crlDays: 180,
      refreshMarginDays: 30,
      hardMarginDays: 7,
      maintenanceWindow: { weekdays: ['SUN'], startUtc: '03:00', durationMinutes: 60 },
    });
  });

  it('names the bad setting', () => {
    expect(() => parseDistributionSettings({ CLIENT_VPN_ENDPOINT_IDS: 'vpn-1' })).toThrow(
      /CLIENT_VPN_ENDPOINT_IDS/,
    );
    expect(() => parseDistributionSettings({ CRL_HARD_MARGIN_DAYS: '40' })).toThrow(ValidationError);
    expect(() =>
      parseDistributionSettings({ CRL_MAINTENANCE_WINDOW: '{"startUtc":"25:00","durationMinutes":5}' }),
    ).toThrow(/maintenanceWindow.startUtc/);
  });
});

describe('distribution helpers', () => {
  it('terminates only live connections of the revoked common name', () => {
    expect(
      connectionsOfRevokedCertificate(
        [
          { connectionId: 'c1', commonName: 'alice', status: 'active' },
          { connectionId: 'c2', commonName: 'alice', status: 'terminated' },
          { connectionId: 'c3', commonName: 'bob', status: 'active' },
          { connectionId: 'c4', commonName: 'alice', status: 'failed-to-terminate' },
        ],
        'alice',
      ),
    ).toEqual(['c1', 'c4']);
  });

  it('lists updated and behind endpoints, and counts the behind ones per region (zeros included)', () => {
    const regions: Record<string, string> = {
      e1: 'us-east-1',
      e2: 'eu-west-1',
      e3: 'eu-west-1',
      e4: 'ap-south-1',
    };
    expect(
      summarizeDistribution(
        [
          { endpointId: 'e1', status: 'updated', terminatedConnectionIds: ['c1'] },
          { endpointId: 'e2', status: 'behind', error: 'ServiceUnavailable' },
          { endpointId: 'e3', status: 'behind', error: 'ServiceUnavailable' },
          { endpointId: 'e4', status: 'unchanged' },
        ],
        (id) => regions[id]!,
      ),
    ).toEqual({
      updatedEndpoints: ['e1'],
      unchangedEndpoints: ['e4'],
      deferredEndpoints: [],
      behindEndpoints: [
        { endpointId: 'e2', region: 'eu-west-1', error: 'ServiceUnavailable' },
        { endpointId: 'e3', region: 'eu-west-1', error: 'ServiceUnavailable' },
      ],
      behindByRegion: { 'us-east-1': 0, 'eu-west-1': 2, 'ap-south-1': 0 },
      terminatedConnectionIds: ['c1'],
    });
  });

  it('rebuilds the stored CRL when it is missing or inside the refresh margin', () => {
    expect(needsNewCrl(undefined, 30, now)).toBe(true);
    expect(needsNewCrl({ nextUpdate: inDays(29) }, 30, now)).toBe(true);
    expect(needsNewCrl({ nextUpdate: inDays(31) }, 30, now)).toBe(false);
  });
});

import * as z from 'zod/mini';
import { listClients, probeEndpointFromEnv } from '../aws/rotation-probe.js';
import { readSecretVersion } from '../aws/secrets.js';
import { lambdaHandler } from '../commons/lambda-handler.js';
import { logger } from '../commons/powertools.js';
import { ConflictError } from '../core/errors.js';
import { defaultUserConnections, nextSample } from '../core/rbac/finish-migration.js';

const inputSchema = z.object({
  authToken: z.object({ arn: z.string().check(z.minLength(1)), versionId: z.string().check(z.minLength(1)) }),
  samplesTaken: z.int().check(z.gte(0)),
  samplesNeeded: z.int().check(z.gte(1)),
});

/** At most this many connections are reported by address (the count is always exact). */
const REPORTED = 20;

/**
 * One look at `CLIENT LIST` through the connectivity probe, logged in with the old AUTH token
 * (as `default`, which the migration gave that token): the connections still logged in as
 * `default` besides the probe's own. Without a probe endpoint nothing can be checked: that is an
 * error (lock only with a forced reason then), never a silent "none".
 */
export const handler = lambdaHandler(inputSchema, async ({ authToken, samplesTaken, samplesNeeded }) => {
  const endpoint = probeEndpointFromEnv();
  if (!endpoint) {
    throw new ConflictError(
      'no connectivity probe is configured (ROTATION_PROBE_ENDPOINT): cannot list connections',
    );
  }
  const token = await readSecretVersion(authToken);
  const { ownId, clientList } = await listClients(endpoint, { password: token });
  const connections = defaultUserConnections(clientList, ownId);
  const sample = nextSample(connections.length, samplesTaken, samplesNeeded);
  logger.info('connections logged in as default', { count: connections.length, ...sample });
  const shown = connections.slice(0, REPORTED);
  return {
    count: connections.length,
    connections: shown,
    report:
      connections.length === 0
        ? 'no connection is logged in as default'
        : `${connections.length} connection(s) still log in as default (AUTH <token>): ${shown
            .map((c) => `${c.addr} (name ${c.name || '-'}, ${c.ageSeconds} s old, last ${c.lastCommand})`)
            .join('; ')}`,
    ...sample,
  };
});

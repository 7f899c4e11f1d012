import * as z from 'zod/mini';
import { listConnections, terminateConnections } from '../aws/ec2-client-vpn.js';
import { lambdaHandler } from '../commons/lambda-handler.js';
import { logger } from '../commons/powertools.js';
import { connectionsToEnd, MAX_SESSION_COMMON_NAMES } from '../core/crl-refresh/newly-revoked.js';
import { connectionsOfRevokedCertificate } from '../core/crl-refresh/revoked-connections.js';
import { endpointIdSchema } from '../core/crl-refresh/workflow-inputs.js';

const inputSchema = z.union([
  // revoke-certificate: the one revoked certificate's common name.
  z.object({ endpointId: endpointIdSchema, commonName: z.string().check(z.minLength(1)) }),
  // refresh-crl: the certificates its import newly listed (functions/core/crl-refresh/newly-revoked.ts).
  z.object({
    endpointId: endpointIdSchema,
    commonNames: z.array(z.string().check(z.minLength(1))).check(z.maxLength(MAX_SESSION_COMMON_NAMES)),
    everyConnection: z.boolean(),
  }),
]);

/** Ends the live sessions of revoked certificates: the CRL only stops new connections. */
export const handler = lambdaHandler(inputSchema, async (input) => {
  const connections = await listConnections(input.endpointId);
  const targets =
    'commonName' in input
      ? connectionsOfRevokedCertificate(connections, input.commonName)
      : connectionsToEnd(connections, input);
  const terminatedConnectionIds = await terminateConnections(input.endpointId, targets);
  logger.info('revoked certificate connections terminated', {
    endpointId: input.endpointId,
    count: terminatedConnectionIds.length,
    everyConnection: 'everyConnection' in input && input.everyConnection,
  });
  return { terminatedConnectionIds };
});

import { z } from 'zod';
import { listConnections, terminateConnections } from '../aws/ec2-client-vpn.js';
import { lambdaHandler } from '../commons/lambda-handler.js';
import { logger } from '../commons/powertools.js';
import { connectionsOfRevokedCertificate } from '../core/crl-refresh/revoked-connections.js';
import { endpointIdSchema } from '../core/crl-refresh/workflow-inputs.js';

const inputSchema = z.object({ endpointId: endpointIdSchema, commonName: z.string().min(1) });

/** Ends the live sessions of the revoked certificate: the CRL only stops new connections. */
export const handler = lambdaHandler(inputSchema, async ({ endpointId, commonName }) => {
  const targets = connectionsOfRevokedCertificate(await listConnections(endpointId), commonName);
  const terminatedConnectionIds = await terminateConnections(endpointId, targets);
  logger.info('revoked certificate connections terminated', {
    endpointId,
    count: terminatedConnectionIds.length,
  });
  return { terminatedConnectionIds };
});

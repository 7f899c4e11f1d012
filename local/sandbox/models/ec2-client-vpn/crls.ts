import { createHash } from 'node:crypto';
import {
  CLIENT_VPN_MAX_CRL_ENTRIES,
  parseCrl,
  type ParsedCrl,
} from '../../../../functions/core/pki/crl-verify.js';
import { fromPem } from '../../../../functions/core/pki/pem.js';
import { ClientVpnState, invalidParameter, missingParameter } from './state.js';
import { dropAll } from './connections.js';

/** ImportClientVpnClientCertificateRevocationList, ExportClientVpnClientCertificateRevocationList. */
export function crlCommands(s: ClientVpnState) {
  return {
    ImportClientVpnClientCertificateRevocationList: (input: {
      ClientVpnEndpointId?: string;
      CertificateRevocationList?: string;
    }) => {
      const endpoint = s.endpoint(
        input.ClientVpnEndpointId,
        'ImportClientVpnClientCertificateRevocationList',
      );
      const pem = input.CertificateRevocationList;
      if (!pem) throw missingParameter('CertificateRevocationList');
      let parsed: ParsedCrl;
      try {
        parsed = parseCrl(
          fromPem(pem, 'X509 CRL', 'CertificateRevocationList'),
          'CertificateRevocationList',
          {
            entries: 'serials',
          },
        );
      } catch {
        throw invalidParameter('The certificate revocation list is not a valid PEM-encoded X.509 CRL');
      }
      // The quota is 20,000 entries per CRL. ClientVpnCertificateRevocationListLimitExceeded is
      // about the number of CRLs on an endpoint (EC2 error codes page), which an import, replacing
      // the CRL, never raises. Assumption: an oversized CRL is an invalid parameter value.
      if (parsed.entryCount > CLIENT_VPN_MAX_CRL_ENTRIES) {
        throw invalidParameter(
          `The certificate revocation list has ${parsed.entryCount} entries; the limit is ${CLIENT_VPN_MAX_CRL_ENTRIES}`,
        );
      }
      const now = s.clock.nowMs();
      endpoint.crls.push({
        pem,
        parsed,
        serials: new Set(parsed.entries.map((e) => e.serial)),
        importedAt: now,
      });
      // Documented: "Uploading a client certificate revocation list resets existing client connections."
      const reset = dropAll(
        s,
        endpoint,
        endpoint.connections.filter((c) => c.endedAt === undefined),
        now,
      );
      s.crlImports.push({
        endpointId: endpoint.id,
        at: now,
        activeAt: now + s.delays.crlActivation,
        sha256: createHash('sha256').update(pem).digest('hex'),
        crlNumber: parsed.crlNumber?.toString(),
        entries: parsed.entryCount,
        resetConnectionIds: reset,
      });
      return { Return: true };
    },

    ExportClientVpnClientCertificateRevocationList: (input: { ClientVpnEndpointId?: string }) => {
      const endpoint = s.endpoint(
        input.ClientVpnEndpointId,
        'ExportClientVpnClientCertificateRevocationList',
      );
      const latest = endpoint.crls.at(-1);
      if (!latest) return {};
      const active = s.clock.nowMs() >= latest.importedAt + s.delays.crlActivation;
      return {
        CertificateRevocationList: latest.pem,
        Status: active
          ? { Code: 'active', Message: 'The certificate revocation list is active' }
          : { Code: 'pending', Message: 'The certificate revocation list is being applied' },
      };
    },
  };
}

import { X509Certificate } from 'node:crypto';
import { ValidationError, NotFoundError } from '../../../functions/core/errors.js';
import { validateCommonName } from '../../../functions/core/pki/ca-operations.js';
import {
  vpnCertificateProblems,
  type VpnCertificatePurpose,
} from '../../../functions/core/vpn/certificate-checks.js';
import type { EasyRsaStore } from '../pki/easyrsa-store.js';

export interface StoreCertificate {
  readonly cn: string;
  readonly caPem: string;
  readonly certPem: string;
  readonly keyPem: string;
}

/**
 * A certificate and its key from an easy-rsa layout store (`issued/<cn>.crt`, `private/<cn>.key`),
 * checked for Client VPN use: issued by the store's CA, valid, not revoked, the right extended key
 * usage, RSA-2048, and the key matching the certificate.
 */
export async function readVpnCertificate(
  store: EasyRsaStore,
  cn: string,
  purpose: VpnCertificatePurpose,
  field: string,
  now: Date,
): Promise<StoreCertificate> {
  validateCommonName(cn, field);
  const { pem: caPem } = await store.readCa();
  const certPem = await store.readOptional(`issued/${cn}.crt`);
  if (certPem === undefined) {
    throw new NotFoundError(
      `no certificate for CN "${cn}" in ${store.dir} (issued/${cn}.crt); issue it with "cachegate cert issue --store ${store.dir} --cn ${cn}${purpose === 'server' ? ' --server' : ''}"`,
    );
  }
  const keyPem = await store.readOptional(`private/${cn}.key`);
  if (keyPem === undefined) {
    throw new NotFoundError(
      `no private key for CN "${cn}" in ${store.dir} (private/${cn}.key): a certificate issued from a CSR keeps its key with the requester`,
    );
  }
  const problems = vpnCertificateProblems({
    purpose,
    caPem,
    certPem,
    keyPem,
    index: await store.readIndex(),
    now,
  });
  if (problems.length > 0) {
    throw new ValidationError(`issued/${cn}.crt cannot be used: ${problems.join('; ')}`, field);
  }
  // easy-rsa prefixes issued certificates with a text dump; ACM and profiles get the PEM only.
  return {
    cn,
    caPem: new X509Certificate(caPem).toString(),
    certPem: new X509Certificate(certPem).toString(),
    keyPem,
  };
}

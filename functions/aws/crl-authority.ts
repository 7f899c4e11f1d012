import type { CrlAuthority, RevocationIndex } from '../core/ports/crl-authority.js';
import type { ParsedCertificate } from '../core/pki/x509.js';
import { caCertificateFromEnvironment, caSignerFromEnvironment } from './ca-from-environment.js';
import { DynamoDbCertIndex } from './dynamodb-cert-index.js';

/**
 * The certificate authority the Client VPN workflows use: by default (in AWS) the DynamoDB
 * certificate index (table CERTIFICATES_TABLE, atomic CRL-number counter) and the CA from the
 * Lambda's environment, which infra/constructs/client-vpn-crl.ts sets from the
 * CertificateAuthority construct. The certificate and the signer resolve separately: the Lambdas
 * that only check a CRL read the CA certificate and never touch the key. Local runs over an
 * easy-rsa store or an in-memory CA (`cachegate revoke --store`, demo, some tests) install theirs
 * with `setCrlAuthority`, the same global-hook pattern as the AWS client hook.
 */
const AUTHORITY_KEY = Symbol.for('cachegate.crlAuthority');
const globalAuthority = globalThis as unknown as { [AUTHORITY_KEY]?: () => Promise<CrlAuthority> };

export function setCrlAuthority(factory: (() => Promise<CrlAuthority>) | undefined): void {
  globalAuthority[AUTHORITY_KEY] = factory;
}

let environmentIndex: DynamoDbCertIndex | undefined;
const indexFromEnvironment = (): DynamoDbCertIndex => (environmentIndex ??= new DynamoDbCertIndex());

export async function crlAuthority(): Promise<CrlAuthority> {
  const factory = globalAuthority[AUTHORITY_KEY];
  if (factory) return factory();
  return {
    index: indexFromEnvironment(),
    ca: {
      certificate: async () => (await caCertificateFromEnvironment()).certificate,
      signer: caSignerFromEnvironment,
    },
  };
}

/**
 * The CA certificate alone, for a function that only judges a CRL's origin (the posture audit's
 * endpoints): its bundle then holds neither the index nor a signer.
 */
export async function crlAuthorityCertificate(): Promise<ParsedCertificate> {
  const factory = globalAuthority[AUTHORITY_KEY];
  return factory ? (await factory()).ca.certificate() : (await caCertificateFromEnvironment()).certificate;
}

/**
 * The certificate index alone, for a function that only reads it (the posture audit's CA stores):
 * its bundle then holds no CA certificate reader and no signer.
 */
export async function crlAuthorityIndex(): Promise<RevocationIndex> {
  const factory = globalAuthority[AUTHORITY_KEY];
  return factory ? (await factory()).index : indexFromEnvironment();
}

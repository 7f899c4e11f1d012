import type { CrlAuthority } from '../core/pki/ports-crl-authority.js';
import { caFromEnvironment } from './ca-from-environment.js';
import { DynamoDbCertIndex } from './dynamodb-cert-index.js';

/**
 * The certificate authority the Client VPN workflows use: in AWS the DynamoDB certificate index
 * (atomic CRL-number counter) and the CA from the Lambda's environment (certificate in Secrets
 * Manager, KMS or Secrets Manager signer). Local runs (tests, demo, `cachegate revoke --store`)
 * install theirs with `setCrlAuthority`, the same global-hook pattern as the AWS client hook.
 */
const AUTHORITY_KEY = Symbol.for('cachegate.crlAuthority');
const globalAuthority = globalThis as unknown as { [AUTHORITY_KEY]?: () => Promise<CrlAuthority> };

export function setCrlAuthority(factory: (() => Promise<CrlAuthority>) | undefined): void {
  globalAuthority[AUTHORITY_KEY] = factory;
}

let cloudAuthority: CrlAuthority | undefined;

export async function crlAuthority(): Promise<CrlAuthority> {
  const factory = globalAuthority[AUTHORITY_KEY];
  if (factory) return factory();
  cloudAuthority ??= {
    index: new DynamoDbCertIndex(),
    ca: {
      certificate: async () => (await caFromEnvironment()).certificate,
      signer: async () => (await caFromEnvironment()).signer,
    },
  };
  return cloudAuthority;
}

import { revokeCertificate } from '../../../functions/core/pki/ca-operations.js';
import type { RevocationReason } from '../../../functions/core/pki/cert-index.js';
import type { CrlAuthority } from '../../../functions/core/ports/crl-authority.js';
import { ConflictError } from '../../../functions/core/errors.js';
import { EasyRsaStore, exists } from './easyrsa-store.js';
import { fileSigner } from './file-signer.js';

/**
 * The Client VPN workflows' CA ports over an easy-rsa `pki/` directory (local runs of
 * `cachegate revoke` / `crl refresh`): revocation updates index.txt and moves the files by serial
 * exactly as `easyrsa revoke` does; CRL numbers come from the openssl `crlnumber` file. The
 * store is the operator's real CA, so the dates written into it are wall-clock time, whatever
 * clock the workflow's steps run on (the sandbox's is sped up: a revocation would be dated
 * hours ahead, and openssl would carry that date into every later CRL).
 */
export async function easyRsaCrlAuthority(dir: string): Promise<CrlAuthority> {
  const store = new EasyRsaStore(dir);
  const { cert: ca } = await store.readCa();
  return {
    index: {
      revoke: (request: { commonName?: string; serial?: string; reason?: RevocationReason; now: Date }) =>
        store.withLock(async () => {
          const current = await store.readIndex();
          let revoked;
          try {
            revoked = revokeCertificate({ index: current, ...request, now: new Date() });
          } catch (error) {
            if (!(error instanceof ConflictError)) throw error;
            const entry = current
              .filter((e) => e.status === 'R')
              .filter((e) =>
                request.serial === undefined
                  ? e.commonName === request.commonName
                  : e.serial === request.serial,
              )
              .at(-1);
            if (!entry) throw error;
            return { entry, changed: false };
          }
          const { entry, index } = revoked;
          await store.writeIndex(index);
          const moves: [string, string][] = [
            [`issued/${entry.commonName}.crt`, `revoked/certs_by_serial/${entry.serial}.crt`],
            [`private/${entry.commonName}.key`, `revoked/private_by_serial/${entry.serial}.key`],
            [`reqs/${entry.commonName}.req`, `revoked/reqs_by_serial/${entry.serial}.req`],
          ];
          await store.ensureDirs();
          for (const [from, to] of moves) if (!(await exists(store.path(to)))) await store.move(from, to);
          await store.remove(`certs_by_serial/${entry.serial}.pem`);
          return { entry, changed: true };
        }),
      entries: () => store.readIndex(),
      takeCrlNumber: () =>
        store.withLock(async () => {
          const next = (await store.readNextCrlNumber()) ?? 1n;
          await store.writeNextCrlNumber(next + 1n);
          return next;
        }),
    },
    ca: {
      certificate: async () => ca,
      signer: () => fileSigner(store.path('private', 'ca.key'), ca),
    },
  };
}

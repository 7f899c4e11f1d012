import { beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { timeKey } from '../../../functions/core/pki/asn1-time.js';
import { issueCertificate, revokeCertificate } from '../../../functions/core/pki/ca-operations.js';
import { isExpired, type CertIndexEntry } from '../../../functions/core/pki/cert-index.js';
import { generateRsaKey } from '../../../functions/core/pki/certificate-builder.js';
import { buildCrl } from '../../../functions/core/pki/crl-encode.js';
import { planCrl } from '../../../functions/core/pki/crl-plan.js';
import { checkCrl, parseCrl, type ParsedCrl } from '../../../functions/core/pki/crl-verify.js';
import { caKeyId } from '../../../functions/core/pki/x509.js';
import { createTestCa, type TestCa } from './ca-fixture.js';

type Op =
  | { kind: 'issue'; days: number }
  | { kind: 'revoke'; pick: number }
  | { kind: 'advance'; hours: number }
  | { kind: 'crl'; days: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('issue' as const), days: fc.integer({ min: 1, max: 40 }) }),
  fc.record({ kind: fc.constant('revoke' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('advance' as const), hours: fc.integer({ min: 1, max: 24 * 30 }) }),
  fc.record({ kind: fc.constant('crl' as const), days: fc.integer({ min: 1, max: 30 }) }),
);

let ca: TestCa;
const spki = generateRsaKey().publicKey.export({ type: 'spki', format: 'der' });

beforeAll(async () => {
  ca = await createTestCa('Property CA', new Date('2025-01-01T00:00:00Z'));
});

describe('CRL over random issue/revoke/expire sequences', () => {
  it('lists every unexpired revoked serial and only ever increases the CRL number', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 25 }), async (ops) => {
        let now = new Date('2025-02-01T00:00:00Z');
        let index: CertIndexEntry[] = [];
        let previous: ParsedCrl | undefined;
        let nextCrlNumber: bigint | undefined;
        let issued = 0;
        for (const step of [...ops, { kind: 'crl', days: 7 } as Op]) {
          if (step.kind === 'issue') {
            const result = await issueCertificate({
              ca: ca.cert,
              index,
              commonName: `user-${issued++}`,
              profile: 'client',
              spki,
              now,
              days: step.days,
              signer: ca.signer,
              random: randomBytes,
            });
            index = result.index;
          } else if (step.kind === 'revoke') {
            const valid = index.filter((e) => e.status === 'V');
            const target = valid[step.pick % Math.max(valid.length, 1)];
            if (target) index = revokeCertificate({ index, serial: target.serial, now }).index;
          } else if (step.kind === 'advance') {
            now = new Date(now.getTime() + step.hours * 3_600_000);
          } else {
            const plan = planCrl({
              index,
              now,
              days: step.days,
              nextCrlNumber,
              ...(previous ? { previous } : {}),
            });
            const crl = parseCrl(
              await buildCrl(
                { ...plan, issuer: ca.cert.subject, authorityKeyId: caKeyId(ca.cert) },
                ca.signer,
              ),
            );
            const nowKey = timeKey(now);
            const listed = new Set(crl.entries.map((e) => e.serial));
            for (const e of index) {
              if (e.status === 'R' && !isExpired(e, nowKey)) expect(listed.has(e.serial)).toBe(true);
            }
            expect(crl.entries.length).toBe(
              index.filter((e) => e.status === 'R' && !isExpired(e, nowKey)).length,
            );
            if (previous?.crlNumber !== undefined) expect(crl.crlNumber! > previous.crlNumber).toBe(true);
            expect(checkCrl(crl, ca.cert, { now }).valid).toBe(true);
            previous = crl;
            nextCrlNumber = plan.crlNumber + 1n;
          }
        }
      }),
      { numRuns: 60 },
    );
  });
});

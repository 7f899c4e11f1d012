import { describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { fromPem, toPem, toPemBytes } from '../../../functions/core/pki/pem.js';

/** The textbook form: base64 in 64-character lines, each ending in a newline. */
const reference = (label: string, der: Buffer): string =>
  `-----BEGIN ${label}-----\n${(der.toString('base64').match(/.{1,64}/g) ?? []).map((l) => `${l}\n`).join('')}-----END ${label}-----\n`;

describe('toPem / toPemBytes', () => {
  it('writes 64-character lines for every length, including partial and empty last lines', () => {
    for (const length of [0, 1, 2, 3, 47, 48, 49, 95, 96, 97, 1000, 70_001]) {
      const der = randomBytes(length);
      expect(toPem('X509 CRL', der)).toBe(reference('X509 CRL', der));
      expect(toPemBytes('X509 CRL', der).equals(Buffer.from(reference('X509 CRL', der), 'latin1'))).toBe(
        true,
      );
    }
  });

  it('round-trips through fromPem, also from a view into a larger buffer', () => {
    const backing = randomBytes(5000);
    const der = backing.subarray(123, 4123);
    expect(fromPem(toPem('CERTIFICATE', der), 'CERTIFICATE').equals(der)).toBe(true);
  });
});

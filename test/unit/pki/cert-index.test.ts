import { describe, expect, it } from '@jest/globals';
import { formatIndex, parseIndex } from '../../../functions/core/pki/cert-index.js';
import { MalformedInputError } from '../../../functions/core/pki/errors.js';

const sample = [
  'V\t270101000000Z\t\t0A1B\tunknown\t/CN=alice',
  'R\t270101000000Z\t250102030405Z,keyCompromise\t0C\tunknown\t/CN=bob',
  'R\t270101000000Z\t250102030405Z\t0D\tunknown\t/C=US/O=Example/CN=carol/emailAddress=c@example.com',
  'E\t240101000000Z\t\t0E\tunknown\t/CN=dave',
].join('\n');

describe('easy-rsa index.txt', () => {
  it('parses every status and round-trips byte for byte', () => {
    const entries = parseIndex(`${sample}\n`);
    expect(entries.map((e) => [e.status, e.commonName, e.reason])).toEqual([
      ['V', 'alice', undefined],
      ['R', 'bob', 'keyCompromise'],
      ['R', 'carol', undefined],
      ['E', 'dave', undefined],
    ]);
    expect(formatIndex(entries)).toBe(`${sample}\n`);
  });

  it.each([
    ['V\t270101000000Z\t\t0A\tunknown', /line 1: expected 6/],
    ['X\t270101000000Z\t\t0A\tunknown\t/CN=a', /unknown status/],
    ['V\t2701010000Z\t\t0A\tunknown\t/CN=a', /invalid expiry/],
    ['V\t270101000000Z\t\tZZ\tunknown\t/CN=a', /invalid serial/],
    ['R\t270101000000Z\tyesterday\t0A\tunknown\t/CN=a', /invalid revocation date/],
    ['R\t270101000000Z\t250101000000Z,bogus\t0A\tunknown\t/CN=a', /unknown revocation reason/],
    ['V\t270101000000Z\t\t0A\tunknown\t/O=x', /no CN/],
  ])('rejects a corrupt line %#', (line, message) => {
    expect(() => parseIndex(line)).toThrow(MalformedInputError);
    expect(() => parseIndex(line)).toThrow(message);
  });

  it('rejects duplicate serials with the line number', () => {
    expect(() =>
      parseIndex('V\t270101000000Z\t\t0A\tunknown\t/CN=a\nV\t270101000000Z\t\t0A\tunknown\t/CN=b\n'),
    ).toThrow(/line 2: duplicate serial 0A/);
  });
});

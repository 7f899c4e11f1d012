import { describe, expect, it } from '@jest/globals';
import { findHiddenCharacters } from '../../../functions/core/visible-text.js';

/** What an approver could not see: the request is refused, naming where it hides. */
describe('findHiddenCharacters', () => {
  it('names the body itself when the whole request is one string hiding a character', () => {
    expect(findHiddenCharacters('on ~* +@all\u0000')).toBe('body');
    expect(findHiddenCharacters('on ~orders:* +get')).toBeUndefined();
  });

  it('names the path of the first string hiding one, through objects and arrays', () => {
    const request = {
      kind: 'user',
      user: { userGroupIds: ['orders-group', 'payments\u202egroup', 'audit\u200bgroup'] },
      reason: 'audit\u2028',
    };
    expect(findHiddenCharacters(request)).toBe('user.userGroupIds.1');
    expect(findHiddenCharacters({ reason: 'fine', notes: ['a', 'b\u00ad'] })).toBe('notes.1');
    expect(findHiddenCharacters({ a: { b: { c: '\u2066x' } } })).toBe('a.b.c');
  });

  it('finds nothing in visible text, numbers, booleans and null', () => {
    expect(
      findHiddenCharacters({ a: 'visible', b: [1, true, null, { c: 'also visible' }], d: null, e: 3 }),
    ).toBeUndefined();
    expect(findHiddenCharacters([])).toBeUndefined();
    expect(findHiddenCharacters(null)).toBeUndefined();
  });

  it('names a key hiding a character, the character shown as ?', () => {
    expect(findHiddenCharacters({ user: { ['user\u200bName']: 'alice' } })).toBe('user.user?Name');
    expect(findHiddenCharacters({ ['\u202ea\u202eb']: 1 })).toBe('?a?b');
  });

  it('allows line breaks only at the multiline paths, and nothing else hidden there', () => {
    const pem = '-----BEGIN CERTIFICATE REQUEST-----\r\nMIIB\nAA==\n-----END CERTIFICATE REQUEST-----\n';
    expect(findHiddenCharacters({ vpn: { csr: pem } }, ['vpn.csr'])).toBeUndefined();
    expect(findHiddenCharacters({ vpn: { csr: pem } })).toBe('vpn.csr');
    expect(findHiddenCharacters({ vpn: { csr: 'MIIB\rAA==' } }, ['vpn.csr'])).toBe('vpn.csr');
    expect(findHiddenCharacters({ vpn: { csr: 'MIIB\n\u200bAA==' } }, ['vpn.csr'])).toBe('vpn.csr');
    expect(findHiddenCharacters({ vpn: { note: 'a\nb' } }, ['vpn.csr'])).toBe('vpn.note');
  });
});

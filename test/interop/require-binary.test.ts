import { describe, expect, it } from '@jest/globals';
import { interopMandatory } from './require-binary.js';

describe('interop suites', () => {
  it.each(['true', 'TRUE', 'True', '1', 'yes', 'on', ' true '])('are mandatory when CI is %p', (ci) => {
    expect(interopMandatory(ci)).toBe(true);
  });

  it.each([undefined, '', '  ', '0', 'false', 'FALSE'])('may skip when CI is %p', (ci) => {
    expect(interopMandatory(ci)).toBe(false);
  });
});

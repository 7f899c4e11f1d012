import { MalformedInputError } from './errors.js';

/** PEM with 64-character lines. */
export function toPem(label: string, der: Uint8Array): string {
  return toPemBytes(label, der).toString('latin1');
}

/**
 * PEM with 64-character lines, as bytes (what gets written to a file): the base64 text is written
 * once and its lines are moved apart in place, last first, with one native copy each. For a
 * 1.2 MB CRL this is 2-3x faster than splitting the string with a regular expression and
 * encoding the result.
 */
export function toPemBytes(label: string, der: Uint8Array): Buffer {
  const begin = `-----BEGIN ${label}-----\n`;
  const end = `-----END ${label}-----\n`;
  const b64 = Buffer.from(der.buffer, der.byteOffset, der.length).toString('base64');
  const lines = Math.ceil(b64.length / 64);
  const pem = Buffer.allocUnsafe(begin.length + b64.length + lines + end.length);
  const start = pem.write(begin, 0, 'latin1');
  pem.write(b64, start, 'latin1');
  for (let line = lines - 1; line > 0; line--) {
    const from = start + line * 64;
    pem.copyWithin(from + line, from, Math.min(from + 64, start + b64.length));
    pem[from + line - 1] = 0x0a;
  }
  if (lines > 0) pem[start + b64.length + lines - 1] = 0x0a;
  pem.write(end, start + b64.length + lines, 'latin1');
  return pem;
}

/** DER of the first PEM block labelled `label` (text before it, as openssl writes in issued/, is ignored). */
export function fromPem(text: string, label: string, what = label): Buffer {
  const begin = `-----BEGIN ${label}-----`;
  const start = text.indexOf(begin);
  const end = text.indexOf(`-----END ${label}-----`, start);
  if (start < 0 || end < 0) throw new MalformedInputError(`${what}: no "${begin}" block found`);
  // Buffer's base64 decoder skips line breaks; corrupt content fails the DER parse that follows.
  const der = Buffer.from(text.slice(start + begin.length, end), 'base64');
  if (der.length === 0) throw new MalformedInputError(`${what}: empty PEM block`);
  return der;
}

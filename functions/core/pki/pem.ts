import { MalformedInputError } from './errors.js';

export function toPem(label: string, der: Uint8Array): string {
  const b64 = Buffer.from(der).toString('base64');
  let body = '';
  for (let i = 0; i < b64.length; i += 64) body += `${b64.slice(i, i + 64)}\n`;
  return `-----BEGIN ${label}-----\n${body}-----END ${label}-----\n`;
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

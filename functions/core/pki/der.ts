import { MalformedInputError } from './errors.js';

/**
 * Minimal DER writer and reader. The writer sizes the whole tree first and then writes into one
 * preallocated Buffer, so encoding never concatenates per-node buffers.
 */
export type DerNode =
  | { readonly tag: number; readonly children: readonly DerNode[] }
  | { readonly tag: number; readonly content: Uint8Array }
  | { readonly raw: Uint8Array };

export const TAG = {
  BOOLEAN: 0x01,
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  ENUMERATED: 0x0a,
  UTF8_STRING: 0x0c,
  PRINTABLE_STRING: 0x13,
  IA5_STRING: 0x16,
  UTC_TIME: 0x17,
  GENERALIZED_TIME: 0x18,
  SEQUENCE: 0x30,
  SET: 0x31,
} as const;

export function lengthOfLength(length: number): number {
  if (length < 0x80) return 1;
  if (length < 0x100) return 2;
  if (length < 0x10000) return 3;
  if (length < 0x1000000) return 4;
  return 5;
}

/** Writes a DER length at `offset` and returns the offset after it. */
export function writeLength(buf: Buffer, offset: number, length: number): number {
  if (length < 0x80) {
    buf[offset] = length;
    return offset + 1;
  }
  const n = lengthOfLength(length) - 1;
  buf[offset] = 0x80 | n;
  for (let i = n; i >= 1; i--) {
    buf[offset + i] = length & 0xff;
    length = Math.floor(length / 256);
  }
  return offset + n + 1;
}

export const seq = (...children: DerNode[]): DerNode => ({ tag: TAG.SEQUENCE, children });
export const set = (...children: DerNode[]): DerNode => ({ tag: TAG.SET, children });
export const raw = (bytes: Uint8Array): DerNode => ({ raw: bytes });
export const prim = (tag: number, content: Uint8Array): DerNode => ({ tag, content });
export const explicit = (n: number, ...children: DerNode[]): DerNode => ({ tag: 0xa0 | n, children });
export const nullNode = (): DerNode => ({ tag: TAG.NULL, content: new Uint8Array(0) });
export const octetString = (content: Uint8Array): DerNode => prim(TAG.OCTET_STRING, content);
export const utf8String = (text: string): DerNode => prim(TAG.UTF8_STRING, Buffer.from(text, 'utf8'));
export const boolean = (value: boolean): DerNode => prim(TAG.BOOLEAN, Uint8Array.of(value ? 0xff : 0));
export const bitString = (bytes: Uint8Array, unusedBits = 0): DerNode =>
  prim(TAG.BIT_STRING, Buffer.concat([Uint8Array.of(unusedBits), bytes]));

/** Positive INTEGER from big-endian magnitude bytes: strips leading zeros, adds a sign byte if needed. */
export function unsignedIntegerContent(magnitude: Uint8Array): Buffer {
  let start = 0;
  while (start < magnitude.length - 1 && magnitude[start] === 0) start++;
  const trimmed = Buffer.from(magnitude.subarray(start));
  if (trimmed.length === 0) return Buffer.of(0);
  return (trimmed[0] as number) & 0x80 ? Buffer.concat([Buffer.of(0), trimmed]) : trimmed;
}

export const integer = (value: number | Uint8Array): DerNode => {
  if (typeof value === 'number') {
    const hex = value.toString(16);
    return prim(TAG.INTEGER, unsignedIntegerContent(Buffer.from(hex.length % 2 ? `0${hex}` : hex, 'hex')));
  }
  return prim(TAG.INTEGER, unsignedIntegerContent(value));
};

export function oidContent(dotted: string): Buffer {
  const arcs = dotted.split('.').map(Number);
  const [first = 0, second = 0, ...rest] = arcs;
  const out: number[] = [first * 40 + second];
  for (const arc of rest) {
    const bytes = [arc & 0x7f];
    let v = Math.floor(arc / 128);
    while (v > 0) {
      bytes.unshift((v & 0x7f) | 0x80);
      v = Math.floor(v / 128);
    }
    out.push(...bytes);
  }
  return Buffer.from(out);
}

export const oid = (dotted: string): DerNode => prim(TAG.OID, oidContent(dotted));

function contentLength(node: DerNode, sizes: Map<DerNode, number>): number {
  if ('raw' in node) return node.raw.length;
  if ('content' in node) return node.content.length;
  let total = 0;
  for (const child of node.children) total += encodedLength(child, sizes);
  return total;
}

function encodedLength(node: DerNode, sizes: Map<DerNode, number>): number {
  if ('raw' in node) return node.raw.length;
  const inner = contentLength(node, sizes);
  sizes.set(node, inner);
  return 1 + lengthOfLength(inner) + inner;
}

function writeNode(node: DerNode, buf: Buffer, offset: number, sizes: Map<DerNode, number>): number {
  if ('raw' in node) {
    buf.set(node.raw, offset);
    return offset + node.raw.length;
  }
  buf[offset] = node.tag;
  offset = writeLength(buf, offset + 1, sizes.get(node) as number);
  if ('content' in node) {
    buf.set(node.content, offset);
    return offset + node.content.length;
  }
  for (const child of node.children) offset = writeNode(child, buf, offset, sizes);
  return offset;
}

export function encodeDer(node: DerNode): Buffer {
  const sizes = new Map<DerNode, number>();
  const buf = Buffer.allocUnsafe(encodedLength(node, sizes));
  writeNode(node, buf, 0, sizes);
  return buf;
}

/** One parsed TLV: `start` is the tag offset, `contentStart`..`end` the content. */
export interface DerElement {
  readonly tag: number;
  readonly start: number;
  readonly contentStart: number;
  readonly end: number;
}

export function readElement(buf: Uint8Array, offset: number, limit = buf.length): DerElement {
  if (offset + 2 > limit) throw new MalformedInputError('truncated DER element');
  const tag = buf[offset] as number;
  if ((tag & 0x1f) === 0x1f) throw new MalformedInputError('multi-byte DER tags are not supported');
  let length = buf[offset + 1] as number;
  let contentStart = offset + 2;
  if (length & 0x80) {
    const n = length & 0x7f;
    if (n === 0 || n > 4) throw new MalformedInputError('invalid DER length');
    if (contentStart + n > limit) throw new MalformedInputError('truncated DER length');
    length = 0;
    for (let i = 0; i < n; i++) length = length * 256 + (buf[contentStart + i] as number);
    contentStart += n;
  }
  const end = contentStart + length;
  if (end > limit) throw new MalformedInputError('DER element runs past its container');
  return { tag, start: offset, contentStart, end };
}

export function children(buf: Uint8Array, parent: DerElement): DerElement[] {
  const out: DerElement[] = [];
  let offset = parent.contentStart;
  while (offset < parent.end) {
    const child = readElement(buf, offset, parent.end);
    out.push(child);
    offset = child.end;
  }
  return out;
}

export function expectTag(el: DerElement | undefined, tag: number, what: string): DerElement {
  if (!el || el.tag !== tag) throw new MalformedInputError(`${what}: unexpected ASN.1 structure`);
  return el;
}

export const contentOf = (buf: Uint8Array, el: DerElement): Buffer =>
  Buffer.from(buf.buffer, buf.byteOffset + el.contentStart, el.end - el.contentStart);
export const bytesOf = (buf: Uint8Array, el: DerElement): Buffer =>
  Buffer.from(buf.buffer, buf.byteOffset + el.start, el.end - el.start);

export function decodeOid(content: Uint8Array): string {
  const first = content[0] ?? 0;
  const arcs = [Math.min(2, Math.floor(first / 40)), first - Math.min(2, Math.floor(first / 40)) * 40];
  let value = 0;
  for (let i = 1; i < content.length; i++) {
    const byte = content[i] as number;
    value = value * 128 + (byte & 0x7f);
    if (!(byte & 0x80)) {
      arcs.push(value);
      value = 0;
    }
  }
  return arcs.join('.');
}

/** Hex (uppercase, even length) of a positive INTEGER's value, as openssl writes serials. */
export function integerHex(content: Uint8Array): string {
  let start = 0;
  while (start < content.length - 1 && content[start] === 0) start++;
  return Buffer.from(content.subarray(start)).toString('hex').toUpperCase();
}

export function integerValue(content: Uint8Array): bigint {
  return content.length === 0 ? 0n : BigInt(`0x${Buffer.from(content).toString('hex')}`);
}

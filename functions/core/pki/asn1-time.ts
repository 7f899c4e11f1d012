import { TAG } from './der.js';
import { MalformedInputError } from './errors.js';

/**
 * X.509 times: UTCTime (YYMMDDHHMMSSZ) for 1950–2049, GeneralizedTime (YYYYMMDDHHMMSSZ) otherwise
 * (RFC 5280 4.1.2.5). easy-rsa/openssl index.txt stores the same strings.
 */
export interface EncodedTime {
  readonly tag: number;
  readonly text: string;
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

export function encodeTime(date: Date): EncodedTime {
  const year = date.getUTCFullYear();
  const rest =
    pad(date.getUTCMonth() + 1) +
    pad(date.getUTCDate()) +
    pad(date.getUTCHours()) +
    pad(date.getUTCMinutes()) +
    pad(date.getUTCSeconds()) +
    'Z';
  if (year >= 1950 && year < 2050) return { tag: TAG.UTC_TIME, text: pad(year % 100) + rest };
  return { tag: TAG.GENERALIZED_TIME, text: pad(year, 4) + rest };
}

/** Index/UTCTime/GeneralizedTime text → 15-character YYYYMMDDHHMMSSZ, comparable as a string. */
export function normalizeTimeText(text: string): string {
  if (/^\d{12}Z$/.test(text)) return (Number(text.slice(0, 2)) >= 50 ? '19' : '20') + text;
  if (/^\d{14}Z$/.test(text)) return text;
  throw new MalformedInputError(`invalid time "${text}" (expected YYMMDDHHMMSSZ)`);
}

export function parseTimeText(text: string): Date {
  const t = normalizeTimeText(text);
  const date = new Date(
    Date.UTC(
      Number(t.slice(0, 4)),
      Number(t.slice(4, 6)) - 1,
      Number(t.slice(6, 8)),
      Number(t.slice(8, 10)),
      Number(t.slice(10, 12)),
      Number(t.slice(12, 14)),
    ),
  );
  if (Number.isNaN(date.getTime()) || encodeTimeNormalized(date) !== t) {
    throw new MalformedInputError(`invalid time "${text}"`);
  }
  return date;
}

function encodeTimeNormalized(date: Date): string {
  const { text } = encodeTime(date);
  return text.length === 13 ? normalizeTimeText(text) : text;
}

/** Index and comparison form of `date`, truncated to whole seconds. */
export const timeKey = (date: Date): string => encodeTimeNormalized(date);

export function decodeTime(tag: number, content: Uint8Array): Date {
  if (tag !== TAG.UTC_TIME && tag !== TAG.GENERALIZED_TIME) throw new MalformedInputError('expected a Time');
  const text = Buffer.from(content).toString('latin1');
  if (tag === TAG.UTC_TIME ? text.length !== 13 : text.length !== 15) {
    throw new MalformedInputError(`invalid time "${text}"`);
  }
  return parseTimeText(text);
}

import { beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { parseIndex } from '../../../functions/core/pki/cert-index.js';
import { buildCrl, encodeRevokedEntries } from '../../../functions/core/pki/crl-encode.js';
import { readFileSync } from 'node:fs';
import { scanIndexForCrl, WasmIndexScanner } from '../../../functions/core/pki/crl-index-scan.js';
import { planCrl, planCrlFromIndexText, type CrlBuildRecord } from '../../../functions/core/pki/crl-plan.js';
import { parseCrl } from '../../../functions/core/pki/crl-verify.js';
import { CrlInvalidError, MalformedInputError } from '../../../functions/core/pki/errors.js';
import { caKeyId } from '../../../functions/core/pki/x509.js';
import { createTestCa, type TestCa } from './ca-fixture.js';

const now = new Date('2025-06-01T12:00:00Z');

/**
 * Both scanners: JavaScript, and crl-index-scan.wat as scripts/build.mjs compiled it (Jest's
 * global setup builds dist/). Every scan test runs with each.
 */
const wasmScanner = new WasmIndexScanner(
  readFileSync(new URL('../../../dist/crl-index-scan.wasm', import.meta.url)),
);
const SCANNERS: [string, WasmIndexScanner | undefined][] = [
  ['JavaScript', undefined],
  ['WebAssembly', wasmScanner],
];
const bytes = (text: string): Buffer => Buffer.from(text, 'utf8');

/** The general path the scanner must match byte for byte. */
function generalEntries(text: string, at = now) {
  return encodeRevokedEntries(planCrl({ index: parseIndex(text), now: at, days: 7 }).entries);
}

const hexSerial = fc
  .uint8Array({ minLength: 1, maxLength: 20 })
  .map((b) => Buffer.from(b).toString('hex').toUpperCase())
  .filter((h) => /[1-9A-F]/.test(h));
const time = fc.oneof(
  fc.constantFrom('250101000000Z', '250601120000Z', '250601120001Z', '491231235959Z', '500101000000Z'),
  fc.constantFrom('20500102030405Z', '19991231235959Z', '20250601115959Z'),
);
const reason = fc.constantFrom(
  '',
  ',keyCompromise',
  ',superseded',
  ',unspecified',
  ',CACompromise',
  ',keycompromise',
  ',removeFromCRL',
);
const line = fc
  .record({
    status: fc.constantFrom('V', 'R', 'E'),
    expires: time,
    revoked: time,
    reason,
    serial: hexSerial,
    cn: fc.stringMatching(/^[a-z0-9]{1,8}$/),
    prefix: fc.constantFrom('/', '/O=Example/', '/C=US/O=Ünïcode/'),
  })
  .map(
    (l) =>
      `${l.status}\t${l.expires}\t${l.status === 'R' ? `${l.revoked}${l.reason}` : ''}\t${l.serial}\tunknown\t${l.prefix}CN=${l.cn}`,
  );
const uniqueSerials = (lines: string[]): string[] => {
  const seen = new Set<string>();
  return lines.filter((l) => {
    const serial = (l.split('\t')[3] as string).replace(/^0+(?=.)/, '');
    const key = serial.length % 2 ? `0${serial}` : serial;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
};

describe.each(SCANNERS)('scanIndexForCrl (%s)', (_, scanner) => {
  it('encodes exactly what parseIndex + planCrl + encodeRevokedEntries encode', () => {
    fc.assert(
      fc.property(
        fc.array(line, { maxLength: 40 }).map(uniqueSerials),
        fc.boolean(),
        (lines, lastNewline) => {
          const text = lines.join('\n') + (lastNewline && lines.length > 0 ? '\n' : '');
          const scan = scanIndexForCrl(bytes(text), '20250601120000Z', scanner);
          const expected = generalEntries(text);
          expect(scan).toBeDefined();
          expect(scan!.revoked.count).toBe(expected.count);
          expect(scan!.revoked.der.equals(expected.der)).toBe(true);
          // The earliest listed notAfter, as the JavaScript scan records it.
          expect(scan!.listedNotAfterMin).toBe(
            scanIndexForCrl(bytes(text), '20250601120000Z')!.listedNotAfterMin,
          );
        },
      ),
      { numRuns: 300 },
    );
  });

  it('scans or refuses a damaged index exactly as the JavaScript scan does', () => {
    // Canonical lines with one byte replaced, a field dropped or doubled, or a serial repeated.
    const damaged = fc
      .tuple(
        fc.array(line, { minLength: 1, maxLength: 12 }).map(uniqueSerials),
        fc.nat(),
        fc.nat(),
        fc.constantFrom('\t', '\n', 'Z', 'R', 'V', '0', 'a', '/', ',', 'x', 'CN='),
        fc.constantFrom('replace', 'insert', 'delete', 'repeat-line', 'swap-status'),
      )
      .map(([lines, at, which, byte, how]) => {
        const text = lines.join('\n');
        const i = at % text.length;
        if (how === 'replace') return text.slice(0, i) + byte + text.slice(i + 1);
        if (how === 'insert') return text.slice(0, i) + byte + text.slice(i);
        if (how === 'delete') return text.slice(0, i) + text.slice(i + 1);
        const picked = lines[which % lines.length] as string;
        if (how === 'repeat-line') return `${text}\n${picked.replace(/CN=/, 'CN=again-')}`;
        return text.replace(picked, (picked.startsWith('R') ? 'V' : 'R') + picked.slice(1));
      });
    fc.assert(
      fc.property(damaged, (text) => {
        const reference = scanIndexForCrl(bytes(text), '20250601120000Z');
        const scan = scanIndexForCrl(bytes(text), '20250601120000Z', scanner);
        expect(scan === undefined).toBe(reference === undefined);
        if (scan && reference) {
          expect(scan.revoked.der.equals(reference.revoked.der)).toBe(true);
          expect(scan.listedNotAfterMin).toBe(reference.listedNotAfterMin);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('leaves non-canonical indexes to the general path, which gives the same CRL entries', () => {
    const lower = 'R\t300101000000Z\t250101000000Z\t0abc\tunknown\t/CN=a\n';
    const blank = 'R\t300101000000Z\t250101000000Z\t0ABC\tunknown\t/CN=a\n\n';
    for (const text of [lower, blank]) {
      expect(scanIndexForCrl(bytes(text), '20250601120000Z', scanner)).toBeUndefined();
      const plan = planCrlFromIndexText({
        indexText: bytes(text),
        now,
        days: 7,
        ...(scanner ? { scanner } : {}),
      });
      expect(plan.revoked.der.equals(generalEntries(text).der)).toBe(true);
      expect(plan.record).toBeUndefined();
    }
  });

  it.each([
    ['V\tnot-a-date\t\t0A\tunknown\t/CN=x\n', /line 1: invalid expiry/],
    ['R\t300101000000Z\t\t0A\tunknown\t/CN=x\n', /line 1: invalid revocation date/],
    ['V\t300101000000Z\t\t0A\tunknown\t/O=x\n', /line 1: subject has no CN/],
    ['V\t300101000000Z\t\t0A\tunknown\t/CN=a\nV\t300101000000Z\t\t0A\tunknown\t/CN=b\n', /line 2: duplicate/],
    // The first CN is the one that counts, and a reason is checked even on an expired line.
    ['V\t300101000000Z\t\t0A\tunknown\t/CN=/CN=x\n', /line 1: subject has no CN/],
    ['R\t200101000000Z\t190101000000Z,bogus\t0A\tunknown\t/CN=a\n', /line 1: unknown revocation reason/],
    // Dates that do not exist (openssl would write them into the CRL as "Bad time value").
    ['V\t301301000000Z\t\t0A\tunknown\t/CN=x\n', /line 1: impossible expiry date "301301000000Z"/],
    ['V\t20300230000000Z\t\t0A\tunknown\t/CN=x\n', /line 1: impossible expiry date/],
    ['V\t300431000000Z\t\t0A\tunknown\t/CN=x\n', /line 1: impossible expiry date/],
    ['V\t300101250000Z\t\t0A\tunknown\t/CN=x\n', /line 1: impossible expiry date/],
    ['V\t300101006000Z\t\t0A\tunknown\t/CN=x\n', /line 1: impossible expiry date/],
    ['V\t300101000060Z\t\t0A\tunknown\t/CN=x\n', /line 1: impossible expiry date/],
    ['V\t300100000000Z\t\t0A\tunknown\t/CN=x\n', /line 1: impossible expiry date/],
    [
      'R\t300101000000Z\t230229000000Z\t0A\tunknown\t/CN=x\n',
      /line 1: impossible revocation date "230229000000Z"/,
    ],
    ['R\t300101000000Z\t21000229000000Z\t0A\tunknown\t/CN=x\n', /line 1: impossible revocation date/],
    ['R\t300101000000Z\t250001000000Z,keyCompromise\t0A\tunknown\t/CN=x\n', /line 1: impossible revocation/],
    // One serial in two spellings: the same certificate number, listed twice in a CRL.
    [
      'V\t300101000000Z\t\t0A\tunknown\t/CN=a\nV\t300101000000Z\t\t000A\tunknown\t/CN=b\n',
      /line 2: duplicate serial 000A \(the same number as line 1\)/,
    ],
    [
      'V\t300101000000Z\t\t0a\tunknown\t/CN=a\nV\t300101000000Z\t\t0A\tunknown\t/CN=b\n',
      /line 2: duplicate serial 0A \(the same number as line 1\)/,
    ],
  ])('reports a corrupt index as parseIndex does (%#)', (text, message) => {
    const plan = () =>
      planCrlFromIndexText({ indexText: bytes(text), now, days: 7, ...(scanner ? { scanner } : {}) });
    expect(plan).toThrow(MalformedInputError);
    expect(plan).toThrow(message);
  });

  it('accepts the dates that exist at the edges: 29 February of leap years, 23:59:59, 31 December', () => {
    const text = [
      'R\t300101000000Z\t240229235959Z\t01\tunknown\t/CN=a\n',
      'R\t300101000000Z\t20000229000000Z\t02\tunknown\t/CN=b\n',
      'R\t301231235959Z\t991231235959Z\t03\tunknown\t/CN=c\n',
    ].join('');
    const scan = scanIndexForCrl(bytes(text), '20250601120000Z', scanner);
    expect(scan?.revoked.count).toBe(3);
    expect(scan?.revoked.der.equals(generalEntries(text).der)).toBe(true);
  });

  it('does not scan an index where two spellings name one serial', () => {
    const text = 'V\t300101000000Z\t\t0A\tunknown\t/CN=a\nV\t300101000000Z\t\t000A\tunknown\t/CN=b\n';
    expect(scanIndexForCrl(bytes(text), '20250601120000Z', scanner)).toBeUndefined();
  });
});

describe.each(SCANNERS)('the never-drop check of the scan (%s)', (_, scanner) => {
  const entry = fc.record({
    serial: fc.integer({ min: 1, max: 60 }).map((n) => n.toString(16).toUpperCase().padStart(2, '0')),
    status: fc.constantFrom('V', 'R', 'R', 'R', 'E'),
    expires: fc.constantFrom('250101000000Z', '300101000000Z', '310101000000Z'),
    reason: fc.constantFrom('', ',keyCompromise', ',superseded'),
  });
  const indexOf = (entries: { serial: string; status: string; expires: string; reason: string }[]) =>
    entries
      .map(
        (e) =>
          `${e.status}\t${e.expires}\t${e.status === 'R' ? `240101000000Z${e.reason}` : ''}\t${e.serial}\tunknown\t/CN=${e.serial}\n`,
      )
      .join('');
  const uniqueBySerial = <T extends { serial: string }>(entries: T[]): T[] => [
    ...new Map(entries.map((e) => [e.serial, e])).values(),
  ];
  /** Planning outcome: the entries, or the message of the refusal. */
  function outcome(plan: () => { revoked: { der: Buffer } } | { entries: unknown[] }): string {
    try {
      const result = plan();
      return 'revoked' in result ? `ok ${result.revoked.der.toString('hex')}` : 'ok';
    } catch (error) {
      return (error as Error).message;
    }
  }

  it('refuses exactly what planCrl refuses, whatever the previous list holds and in any order', () => {
    fc.assert(
      fc.property(
        fc.array(entry, { maxLength: 30 }).map(uniqueBySerial),
        fc.array(entry, { maxLength: 30 }).map(uniqueBySerial),
        fc.boolean(),
        (current, earlier, reverse) => {
          const text = indexOf(current);
          // The previous CRL: built from an earlier index (possibly sharing entries), in either order.
          const previousEntries = planCrl({ index: parseIndex(indexOf(earlier)), now, days: 7 }).entries;
          if (reverse) previousEntries.reverse();
          const previousList = encodeRevokedEntries(previousEntries);
          const previous = { crlNumber: 1n, revokedList: previousList.der, entryCount: previousList.count };
          const scanned = outcome(() =>
            planCrlFromIndexText({
              indexText: bytes(text),
              now,
              days: 7,
              previous,
              ...(scanner ? { scanner } : {}),
            }),
          );
          const general = outcome(() =>
            planCrl({
              index: parseIndex(text),
              now,
              days: 7,
              previous: { crlNumber: 1n, entries: previousEntries.map((e) => ({ serial: e.serial })) },
            }),
          );
          expect(scanned.startsWith('ok')).toBe(general.startsWith('ok'));
          if (!general.startsWith('ok')) expect(scanned).toBe(general);
        },
      ),
      { numRuns: 400 },
    );
  });

  it('accepts a list that adds entries to the previous one, and names a serial it would drop', () => {
    const lines = Array.from(
      { length: 200 },
      (_, i) =>
        `R\t300101000000Z\t240101000000Z\t${(0x1000 + i).toString(16).toUpperCase()}\tunknown\t/CN=u${i}\n`,
    );
    const before = lines.filter((_, i) => i % 7 !== 3).join('');
    const previousList = scanIndexForCrl(bytes(before), '20250601120000Z', scanner)!.revoked.der;
    const scan = scanIndexForCrl(bytes(lines.join('')), '20250601120000Z', scanner)!;
    expect(scan.droppedFrom(previousList)).toEqual({ total: 0, examples: [] });
    const forgotten = lines.filter((_, i) => i !== 100).join('');
    expect(scanIndexForCrl(bytes(forgotten), '20250601120000Z', scanner)!.droppedFrom(previousList)).toEqual({
      total: 1,
      examples: ['1064'],
    });
  });
});

describe('planCrlFromIndexText', () => {
  let ca: TestCa;
  beforeAll(async () => {
    ca = await createTestCa('Scan CA');
  });

  const index = [
    'R\t300101000000Z\t250101000000Z,keyCompromise\t0A\tunknown\t/CN=a',
    'R\t250701000000Z\t250101000000Z\t0B\tunknown\t/CN=b',
    'V\t300101000000Z\t\t0C\tunknown\t/CN=c',
    '',
  ].join('\n');

  async function build(
    text: string,
    at: Date,
    crlNumber: bigint,
    previous?: ReturnType<typeof parseCrl>,
    record?: CrlBuildRecord,
  ) {
    const plan = planCrlFromIndexText({
      indexText: bytes(text),
      now: at,
      days: 7,
      nextCrlNumber: crlNumber,
      ...(previous ? { previous } : {}),
      ...(record ? { record } : {}),
    });
    const der = await buildCrl(
      { ...plan, issuer: ca.cert.subject, authorityKeyId: caKeyId(ca.cert) },
      ca.signer,
    );
    return { plan, crl: parseCrl(der, 'CRL', { entries: 'count' }) };
  }

  it('refuses to drop a serial the previous CRL listed while its certificate is valid', async () => {
    const { crl } = await build(index, now, 1n);
    const unrevoked = index.replace(
      'R\t300101000000Z\t250101000000Z,keyCompromise\t0A',
      'V\t300101000000Z\t\t0A',
    );
    expect(() => planCrlFromIndexText({ indexText: bytes(unrevoked), now, days: 7, previous: crl })).toThrow(
      CrlInvalidError,
    );
    const forgotten = index.split('\n').slice(1).join('\n');
    expect(() => planCrlFromIndexText({ indexText: bytes(forgotten), now, days: 7, previous: crl })).toThrow(
      /1 serial\(s\) listed in the previous CRL would be dropped .*0A/,
    );
  });

  it('lets a serial leave once its certificate has expired, and records the earliest listed expiry', async () => {
    const first = await build(index, now, 1n);
    expect(first.plan.revoked.count).toBe(2);
    expect(first.plan.record?.listedNotAfterMin).toBe('20250701000000Z');
    const later = await build(index, new Date('2025-07-02T00:00:00Z'), 2n, first.crl);
    expect(later.plan.revoked.count).toBe(1);
  });

  it('reuses the previous entries while the index and listed certificates are unchanged', async () => {
    const first = await build(index, now, 1n);
    const record = first.plan.record!;
    const reused = planCrlFromIndexText({
      indexText: bytes(index),
      now,
      days: 7,
      previous: first.crl,
      record,
    });
    expect(reused.revoked.der).toBe(first.crl.revokedList);
    expect(reused.crlNumber).toBe(2n);

    const scanned = (indexText: string, at: Date, rec: CrlBuildRecord) =>
      planCrlFromIndexText({
        indexText: bytes(indexText),
        now: at,
        days: 7,
        previous: first.crl,
        record: rec,
      }).revoked.der === first.crl.revokedList;
    // A changed index, a listed certificate that has expired since, a record of another CRL,
    // or a clock that went back: the index is scanned again.
    expect(scanned(`${index}V\t300101000000Z\t\t0D\tunknown\t/CN=d\n`, now, record)).toBe(false);
    expect(scanned(index, new Date('2025-07-01T00:00:00Z'), record)).toBe(false);
    expect(scanned(index, now, { ...record, crlNumber: '7' })).toBe(false);
    expect(scanned(index, new Date('2025-05-01T00:00:00Z'), record)).toBe(false);
  });
});

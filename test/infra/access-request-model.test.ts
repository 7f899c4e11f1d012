import { describe, expect, it } from '@jest/globals';
import { Ajv } from 'ajv';
import fc from 'fast-check';
import { parseCreateAccessRequest } from '../../functions/core/api/access-requests.js';
import { HIDDEN_CHARACTERS } from '../../functions/core/visible-text.js';
import { ACCESS_REQUEST_MODEL_SCHEMA } from '../../infra/constructs/access-request-model.js';
import { testCsr } from '../unit/pki/ca-fixture.js';

/**
 * API Gateway checks POST /access-requests against ACCESS_REQUEST_MODEL_SCHEMA before the Lambda
 * runs; the Lambda checks it again (parseCreateAccessRequest). Both run here on the same values,
 * valid and hostile, and must agree: the edge refuses what the handler refuses for its shape and
 * accepts what the handler accepts. Only the access string's grammar and the CSR's contents are
 * the handler's alone (the edge may accept what the handler then refuses there, never the reverse).
 */
const ajv = new Ajv({ strict: false });
const edgeAccepts = ajv.compile(ACCESS_REQUEST_MODEL_SCHEMA as object);

function handlerAccepts(body: unknown): boolean {
  try {
    parseCreateAccessRequest({
      headers: { 'Content-Type': 'application/json', 'Idempotency-Key': 'model-test-0001' },
      body: JSON.stringify(body),
      requestContext: { identity: { userArn: 'arn:aws:iam::111111111111:user/bob' } },
    });
    return true;
  } catch (error) {
    if ((error as Error).name !== 'ValidationError') throw error;
    return false;
  }
}

const justification = 'Debugging the orders cache for incident 42';
const cacheUser = (changes: Record<string, unknown>) => ({
  kind: {
    type: 'cache-user',
    userId: 'orders-reader',
    userName: 'orders-reader',
    accessString: 'on ~orders:* +@read',
    userGroupIds: ['orders-group'],
    ...changes,
  },
  justification,
});
const vpn = (changes: Record<string, unknown>) => ({
  kind: { type: 'vpn-certificate', commonName: 'bob-laptop', ...changes },
  justification,
});

// Characters each rule is about: identifier syntax, case, white space of every kind, hidden
// characters (controls, bidi overrides, zero-width), Slack mrkdwn, non-ASCII letters.
const UNITS = [
  ...'azAZ09-_.@+~*:/=<>!`|# ',
  '--',
  '\u00a0',
  '\u2003',
  '\u3000',
  '\t',
  '\n',
  '\r\n',
  '\u0000',
  '\u007f',
  '\u0085',
  '\u200b',
  '\u202e',
  '\u2066',
  '\ufeff',
  'é',
  '\u{1F600}',
];
const unit = fc.constantFrom(...UNITS);
/** Strings of those characters, some padded to just under, at or just over `limit`. */
const near = (limit: number) =>
  fc.oneof(
    fc.string({ unit, maxLength: 12 }),
    fc
      .tuple(fc.integer({ min: Math.max(0, limit - 3), max: limit + 1 }), fc.string({ unit, maxLength: 3 }))
      .map(([n, tail]) => `${'a'.repeat(Math.max(0, n - tail.length))}${tail}`),
    fc
      .tuple(fc.string({ unit, maxLength: 3 }), fc.integer({ min: Math.max(0, limit - 3), max: limit + 1 }))
      .map(([head, n]) => `${head}${'b'.repeat(Math.max(0, n - head.length))}`),
  );

const agree = (body: unknown) => {
  expect({ body, edge: edgeAccepts(body) }).toEqual({ body, edge: handlerAccepts(body) });
};
const RUNS = { numRuns: 400, seed: 13 };

describe('API Gateway’s access-request model and the handler give the same verdict', () => {
  it('on the valid requests of each kind', () => {
    for (const body of [cacheUser({}), vpn({}), vpn({ csrPem: testCsr() })]) {
      expect(edgeAccepts(body)).toBe(true);
      expect(handlerAccepts(body)).toBe(true);
    }
  });

  it.each([
    ['userId', 40, (v: string) => cacheUser({ userId: v })],
    ['userGroupIds[0]', 40, (v: string) => cacheUser({ userGroupIds: [v] })],
    ['userName', 120, (v: string) => cacheUser({ userName: v })],
    ['commonName', 64, (v: string) => vpn({ commonName: v })],
    ['justification (short)', 10, (v: string) => ({ ...vpn({}), justification: v })],
    ['justification (long)', 1000, (v: string) => ({ ...vpn({}), justification: v })],
    ['justification (padded)', 8, (v: string) => ({ ...vpn({}), justification: ` ${v}\u00a0` })],
  ])('on %s', (_field, limit, body) => {
    fc.assert(
      fc.property(near(limit), (value) => agree(body(value))),
      RUNS,
    );
  });

  it('on the structure: unknown keys, missing fields, wrong types, repeated or too many groups', () => {
    const bodies: unknown[] = [
      {},
      { kind: { type: 'vpn-certificate', commonName: 'bob' } },
      { ...vpn({}), requester: 'arn:aws:iam::111111111111:user/alice' },
      JSON.parse(`{"__proto__": {"admin": true}, ${JSON.stringify(vpn({})).slice(1)}`),
      vpn({ approver: 'me' }),
      vpn({ type: 'cache-user' }),
      cacheUser({ type: 'vpn-certificate' }),
      cacheUser({ userGroupIds: [] }),
      cacheUser({ userGroupIds: ['a', 'a'] }),
      cacheUser({ userGroupIds: Array.from({ length: 100 }, (_, i) => `g${i}`) }),
      cacheUser({ userGroupIds: Array.from({ length: 101 }, (_, i) => `g${i}`) }),
      cacheUser({ userGroupIds: 'orders-group' }),
      cacheUser({ userId: 7 }),
      cacheUser({ accessString: ['on'] }),
      vpn({ commonName: null }),
      { ...vpn({}), justification: 12345678901 },
      { kind: 'vpn-certificate', justification },
      [vpn({})],
    ];
    for (const body of bodies) agree(body);
  });

  it('on the access string and the CSR, up to what only code can check', () => {
    const hiddenOrLong = fc.oneof(
      fc.string({ unit, maxLength: 12 }).map((s) => `on ~orders:* +@read ${s}`),
      fc.integer({ min: 2040, max: 2050 }).map((n) => `on ~${'k'.repeat(n - 4)}`),
    );
    fc.assert(
      fc.property(hiddenOrLong, (accessString) => {
        const body = cacheUser({ accessString });
        // The grammar is the handler's: it may refuse what the edge lets through, never the reverse.
        if (handlerAccepts(body)) expect(edgeAccepts(body)).toBe(true);
        if (HIDDEN_CHARACTERS.test(accessString) || accessString.length > 2048)
          expect(edgeAccepts(body)).toBe(false);
      }),
      RUNS,
    );
    const good = testCsr();
    for (const csrPem of [
      'hello',
      `${good}\u202e`,
      good.replace('\n', '\n\t'),
      `note\n${good}`,
      `${good}${good}`,
      good.replace(/\n/g, '\r\n'),
      `${good.slice(0, -1)}`,
      'x'.repeat(16_385),
    ])
      agree(vpn({ csrPem }));
    // What only the handler can refuse: the edge lets these through, the handler does not.
    for (const body of [
      cacheUser({ accessString: 'on ~orders:* +@nonsense' }),
      cacheUser({ accessString: 'of ~*' }),
      vpn({ csrPem: '-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n' }),
    ]) {
      expect(edgeAccepts(body)).toBe(true);
      expect(handlerAccepts(body)).toBe(false);
    }
  });
});

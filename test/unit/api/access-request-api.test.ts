import { describe, expect, it } from '@jest/globals';
import {
  accessRequestIdFor,
  assertMayDecide,
  parseApprovers,
  requestFingerprint,
} from '../../../functions/core/access-request.js';
import {
  accessRequestView,
  assertMayAccess,
  parseCreateAccessRequest,
  parseRequestIdPath,
  planRevocation,
  type AccessRequestRecord,
} from '../../../functions/core/api/access-requests.js';
import { callerIdentity, errorResponse, parseJsonBody, rawBody } from '../../../functions/core/api/http.js';
import { revokeBodySchema } from '../../../functions/core/api/access-requests.js';
import { ValidationError } from '../../../functions/core/errors.js';

const BOB = 'arn:aws:iam::111111111111:user/bob';
const cacheUser = {
  type: 'cache-user' as const,
  userId: 'orders-reader',
  userName: 'orders-reader',
  accessString: 'on ~orders:* +@read',
  userGroupIds: ['orders-group'],
};

function post(
  body: unknown,
  headers: Record<string, string> = { 'Idempotency-Key': 'key-0001' },
  userArn = BOB,
) {
  return {
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    requestContext: { identity: { userArn } },
  };
}

function fieldOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return (error as ValidationError).field;
  }
  return undefined;
}

describe('POST /access-requests parsing', () => {
  it('takes the requester from the authenticated identity and derives the request ID from (requester, key)', () => {
    const { request } = parseCreateAccessRequest(
      post({ kind: cacheUser, justification: 'incident 4711 needs it' }),
    );
    expect(request.requester).toBe(BOB);
    expect(request.requestId).toBe(accessRequestIdFor(BOB, 'key-0001'));
    expect(request.requestId).toMatch(/^req-[0-9a-f]{32}$/);
  });

  it('refuses a requester in the body, naming the field', () => {
    const body = { kind: cacheUser, justification: 'incident 4711 needs it', requester: 'alice' };
    expect(fieldOf(() => parseCreateAccessRequest(post(body)))).toBe('requester');
  });

  it('uses the Cognito sub when the API uses a Cognito authorizer', () => {
    const event = { requestContext: { authorizer: { claims: { sub: 'c0a8-sub', email: 'x@example.com' } } } };
    expect(callerIdentity(event)).toBe('c0a8-sub');
  });

  it('refuses a call without an authenticated identity with 401', () => {
    const response = errorResponse(
      catchError(() => callerIdentity({ requestContext: { identity: { userArn: null } } })),
    );
    expect(response.statusCode).toBe(401);
  });

  it('requires a well-formed Idempotency-Key header (any case)', () => {
    const body = { kind: cacheUser, justification: 'incident 4711 needs it' };
    expect(fieldOf(() => parseCreateAccessRequest(post(body, {})))).toBe('Idempotency-Key');
    expect(fieldOf(() => parseCreateAccessRequest(post(body, { 'idempotency-key': 'short' })))).toBe(
      'Idempotency-Key',
    );
    expect(() => parseCreateAccessRequest(post(body, { 'IDEMPOTENCY-KEY': 'a-good-key-1' }))).not.toThrow();
  });

  it('names the bad field of the body', () => {
    expect(fieldOf(() => parseCreateAccessRequest(post({ kind: cacheUser, justification: 'short' })))).toBe(
      'justification',
    );
    expect(
      fieldOf(() =>
        parseCreateAccessRequest(
          post({ kind: { ...cacheUser, userId: '1bad' }, justification: 'incident 4711 needs it' }),
        ),
      ),
    ).toBe('kind.userId');
    expect(fieldOf(() => parseCreateAccessRequest(post('{not json')))).toBe('body');
    expect(fieldOf(() => parseCreateAccessRequest(post('[1,2]')))).toBe('body');
    expect(fieldOf(() => parseCreateAccessRequest(post('')))).toBe('body');
  });

  it('decodes a base64-encoded body', () => {
    const body = Buffer.from('{"reason":"left the team"}').toString('base64');
    expect(rawBody({ body, isBase64Encoded: true })).toBe('{"reason":"left the team"}');
    const headers = { 'Content-Type': 'application/json; charset=utf-8' };
    expect(parseJsonBody({ body, headers, isBase64Encoded: true }, revokeBodySchema)).toEqual({
      reason: 'left the team',
    });
  });

  it('fingerprints the body independently of key order', () => {
    const a = requestFingerprint({ kind: cacheUser, justification: 'x'.repeat(12) });
    const b = requestFingerprint({ justification: 'x'.repeat(12), kind: { ...cacheUser } });
    expect(a).toBe(b);
    expect(requestFingerprint({ kind: cacheUser, justification: 'y'.repeat(12) })).not.toBe(a);
  });
});

describe('who may read or revoke a request', () => {
  const approvers = parseApprovers(' U0ALICE | arn:aws:iam::111111111111:user/alice , U0CAROL ');
  const request = { requestId: 'req-12345678', requester: BOB };

  it('parses approvers as people with several identities', () => {
    expect(approvers).toEqual(['U0ALICE|arn:aws:iam::111111111111:user/alice', 'U0CAROL']);
  });

  it('lets the requester and approvers through, and tells anyone else it does not exist', () => {
    expect(() => assertMayAccess(request, BOB, approvers)).not.toThrow();
    expect(() => assertMayAccess(request, 'arn:aws:iam::111111111111:user/alice', approvers)).not.toThrow();
    expect(
      errorResponse(catchError(() => assertMayAccess(request, 'arn:x:mallory', approvers))).statusCode,
    ).toBe(404);
  });

  it('treats an approver deciding under another identity of the requester as self-approval', () => {
    const own = { requester: 'arn:aws:iam::111111111111:user/alice' };
    expect(() => assertMayDecide(own, 'U0ALICE', approvers)).toThrow(/cannot decide their own/);
    expect(() => assertMayDecide(own, 'U0CAROL', approvers)).not.toThrow();
    expect(() => assertMayDecide(own, 'U0MALLORY', approvers)).toThrow(/not in the approvers group/);
  });

  it('checks the path ID', () => {
    expect(parseRequestIdPath({ pathParameters: { id: 'req-12345678' } })).toBe('req-12345678');
    expect(fieldOf(() => parseRequestIdPath({ pathParameters: { id: '../etc' } }))).toBe('id');
    expect(fieldOf(() => parseRequestIdPath({ pathParameters: null }))).toBe('id');
  });
});

describe('revocation plan and view', () => {
  const record: AccessRequestRecord = {
    requestId: 'req-12345678',
    requester: BOB,
    justification: 'incident 4711 needs it',
    kind: cacheUser,
    status: 'FULFILLED',
    createdAt: '2025-01-01T00:00:00.000Z',
    updatedAt: '2025-01-01T00:00:00.000Z',
  };

  it('offboards a cache user and revokes a certificate, under one execution name per request', () => {
    expect(planRevocation(record, BOB)).toEqual({
      workflow: 'offboard-user',
      executionName: 'revoke-req-12345678',
      input: { requestId: 'req-12345678', requestedBy: BOB, userId: 'orders-reader' },
      attempt: 1,
      start: true,
    });
    const cert = {
      ...record,
      kind: { type: 'vpn-certificate', commonName: 'bob' } as AccessRequestRecord['kind'],
    };
    expect(planRevocation(cert, BOB, 'left').input).toEqual({
      requestId: 'req-12345678',
      requestedBy: BOB,
      reason: 'left',
      commonName: 'bob',
    });
  });

  it('refuses to revoke a request that was never granted, or is already revoked (409)', () => {
    for (const status of ['PENDING_APPROVAL', 'REJECTED', 'FAILED', 'REVOKED']) {
      expect(errorResponse(catchError(() => planRevocation({ ...record, status }, BOB))).statusCode).toBe(
        409,
      );
    }
  });

  it('names the running attempt while revoking, and the next one after a failed revocation', () => {
    expect(planRevocation({ ...record, status: 'REVOKING' }, BOB)).toMatchObject({
      executionName: 'revoke-req-12345678',
      attempt: 1,
      start: false,
    });
    expect(planRevocation({ ...record, status: 'REVOKE_FAILED' }, BOB)).toMatchObject({
      executionName: 'revoke-req-12345678-2',
      attempt: 2,
      start: true,
    });
    expect(planRevocation({ ...record, status: 'REVOKE_FAILED', revocationAttempt: 2 }, BOB)).toMatchObject({
      executionName: 'revoke-req-12345678-3',
      attempt: 3,
      start: true,
    });
    expect(planRevocation({ ...record, status: 'REVOKING', revocationAttempt: 3 }, BOB)).toMatchObject({
      executionName: 'revoke-req-12345678-3',
      start: false,
    });
  });

  it('shows no CSR in the view', () => {
    const csrPem = '-----BEGIN CERTIFICATE REQUEST-----\nMIIB\n-----END CERTIFICATE REQUEST-----';
    const view = accessRequestView({
      ...record,
      kind: { type: 'vpn-certificate', commonName: 'bob', csrPem } as AccessRequestRecord['kind'],
    });
    expect(JSON.stringify(view)).not.toContain('MIIB');
    expect(view.kind).toEqual({ type: 'vpn-certificate', commonName: 'bob', withCsr: true });
  });

  it('answers unexpected errors with a bare 500', () => {
    const response = errorResponse(new Error('db password is hunter2'));
    expect(response.statusCode).toBe(500);
    expect(response.body).not.toContain('hunter2');
  });
});

function catchError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}

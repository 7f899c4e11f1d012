import { randomUUID } from 'node:crypto';
import type { ApiResponse } from '../../functions/core/api/http.js';
import { ValidationError } from '../../functions/core/errors.js';

/** The caller as API Gateway would have authenticated them locally: an IAM ARN or a Cognito sub. */
export type LocalIdentity = { iamArn: string } | { cognitoSub: string } | undefined;

export interface HttpRequest {
  method: string;
  /** Path without the query string, e.g. `/access-requests/req-1/revoke`. */
  path: string;
  headers: Record<string, string>;
  body: string;
  identity?: LocalIdentity;
}

type Handler = (event: unknown, context: unknown) => Promise<ApiResponse>;

interface Route {
  method: string;
  pattern: RegExp;
  resource: string;
  load: () => Promise<Handler>;
}

/** The same routes the CDK RestApi declares, each served by the same handler. */
const ROUTES: Route[] = [
  {
    method: 'POST',
    pattern: /^\/access-requests$/,
    resource: '/access-requests',
    load: async () =>
      (await import('../../functions/api-create-access-request/handler.js')).handler as Handler,
  },
  {
    method: 'GET',
    pattern: /^\/access-requests\/(?<id>[^/]+)$/,
    resource: '/access-requests/{id}',
    load: async () => (await import('../../functions/api-get-access-request/handler.js')).handler as Handler,
  },
  {
    method: 'POST',
    pattern: /^\/access-requests\/(?<id>[^/]+)\/revoke$/,
    resource: '/access-requests/{id}/revoke',
    load: async () =>
      (await import('../../functions/api-revoke-access-request/handler.js')).handler as Handler,
  },
  ...(['approve', 'reject'] as const).map((decision) => ({
    method: 'POST',
    pattern: new RegExp(`^/approvals/(?<approvalId>[^/]+)/${decision}$`),
    resource: `/approvals/{approvalId}/${decision}`,
    load: async () => (await import('../../functions/api-decide-approval/handler.js')).handler as Handler,
  })),
  {
    method: 'POST',
    pattern: /^\/slack\/interactions$/,
    resource: '/slack/interactions',
    load: async () => (await import('../../functions/slack-interaction/handler.js')).handler as Handler,
  },
];

/** A Lambda context good enough for Powertools and middy. */
export function lambdaContext(functionName: string) {
  return {
    functionName: `cachegate-${functionName}`,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:cachegate-${functionName}`,
    memoryLimitInMB: '256',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/cachegate-${functionName}`,
    logStreamName: 'local',
    callbackWaitsForEmptyEventLoop: false,
    getRemainingTimeInMillis: () => 29_000,
  };
}

/** The REST API proxy-integration event API Gateway would send for `request`. */
export function apiGatewayEvent(
  request: HttpRequest,
  resource: string,
  pathParameters: Record<string, string>,
) {
  const identity = request.identity;
  return {
    resource,
    path: request.path,
    httpMethod: request.method,
    headers: request.headers,
    multiValueHeaders: Object.fromEntries(Object.entries(request.headers).map(([k, v]) => [k, [v]])),
    queryStringParameters: null,
    pathParameters: Object.keys(pathParameters).length > 0 ? pathParameters : null,
    body: request.body === '' ? null : request.body,
    isBase64Encoded: false,
    requestContext: {
      requestId: randomUUID(),
      resourcePath: resource,
      httpMethod: request.method,
      stage: 'local',
      identity: {
        sourceIp: '127.0.0.1',
        userArn: identity && 'iamArn' in identity ? identity.iamArn : null,
      },
      ...(identity && 'cognitoSub' in identity
        ? { authorizer: { claims: { sub: identity.cognitoSub } } }
        : {}),
    },
  };
}

/** A malformed percent-escape (`%zz`) is the caller's error: a 400 naming the parameter, not a 500. */
function decodePathParameter(name: string, value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    throw new ValidationError('is not a valid percent-encoded path segment', name);
  }
}

/** Routes a request to its handler as API Gateway would (404/405 for unknown routes). */
export async function invokeRoute(request: HttpRequest): Promise<ApiResponse> {
  const candidates = ROUTES.filter((route) => route.pattern.test(request.path));
  const route = candidates.find((r) => r.method === request.method);
  if (!route) {
    const statusCode = candidates.length > 0 ? 405 : 404;
    return {
      statusCode,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ error: statusCode === 404 ? 'NOT_FOUND' : 'METHOD_NOT_ALLOWED' }),
    };
  }
  const groups = route.pattern.exec(request.path)?.groups ?? {};
  const pathParameters = Object.fromEntries(
    Object.entries(groups).map(([name, value]) => [name, decodePathParameter(name, value)]),
  );
  const handler = await route.load();
  const name = route.resource === '/slack/interactions' ? 'slack-interaction' : 'api';
  return handler(apiGatewayEvent(request, route.resource, pathParameters), lambdaContext(name));
}

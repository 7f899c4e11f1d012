import * as z from 'zod/mini';
import { AlreadyDecidedError, ApproverNotAllowedError, SelfApprovalError } from '../access-request.js';
import { identityFromIamArn } from '../approver-identity.js';
import { CachegateError, ValidationError } from '../errors.js';
import { SlackSignatureError } from '../slack-signature.js';
import {
  ForbiddenError,
  PayloadTooLargeError,
  UnauthenticatedError,
  UnsupportedMediaTypeError,
} from './errors.js';
import { findHiddenCharacters, HIDDEN_CHARACTERS_MESSAGE } from '../visible-text.js';
import '../zod-english.js';

/**
 * The parts of an API Gateway REST proxy event cachegate reads. API Gateway always sends this
 * shape; everything the *caller* controls (headers, body, path) is parsed again, field by field.
 */
export const apiGatewayEventSchema = z.object({
  httpMethod: z.optional(z.string()),
  resource: z.optional(z.string()),
  path: z.optional(z.string()),
  headers: z.nullish(z.record(z.string(), z.nullish(z.string()))),
  pathParameters: z.nullish(z.record(z.string(), z.nullish(z.string()))),
  body: z.nullish(z.string()),
  isBase64Encoded: z.nullish(z.boolean()),
  requestContext: z.nullish(
    z.object({
      requestId: z.optional(z.string()),
      identity: z.nullish(z.object({ userArn: z.nullish(z.string()) })),
      authorizer: z.nullish(z.object({ claims: z.nullish(z.record(z.string(), z.unknown())) })),
    }),
  ),
});

export type ApiGatewayEvent = z.infer<typeof apiGatewayEventSchema>;

export interface ApiResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

/** Bodies larger than this are refused before parsing (API Gateway allows 10 MB). */
export const MAX_BODY_BYTES = 64 * 1024;

export function jsonResponse(statusCode: number, body: unknown): ApiResponse {
  return {
    statusCode,
    headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
    body: JSON.stringify(body),
  };
}

/** A header by name, case-insensitively (API Gateway keeps the caller's spelling). */
export function header(event: ApiGatewayEvent, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(event.headers ?? {})) {
    if (key.toLowerCase() === wanted && typeof value === 'string') return value;
  }
  return undefined;
}

/** The body exactly as the caller sent it (API Gateway base64-encodes binary media types). */
export function rawBody(event: ApiGatewayEvent): string {
  if (!event.body) return '';
  return event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
}

/** No API body needs more (an access request nests 3 deep); deeper ones are refused before any walk. */
const MAX_BODY_DEPTH = 8;

/** How deep objects and arrays nest in a parsed JSON value, counted without recursion. */
function depthOf(value: unknown): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [item, depth] = stack.pop() as [unknown, number];
    if (item === null || typeof item !== 'object') continue;
    deepest = Math.max(deepest, depth + 1);
    if (deepest > MAX_BODY_DEPTH) return deepest;
    for (const child of Object.values(item)) stack.push([child, depth + 1]);
  }
  return deepest;
}

/** `application/json`, with or without parameters (`; charset=utf-8`), in any letter case. */
export function isJsonContentType(value: string | undefined): boolean {
  return value !== undefined && /^application\/json\s*(?:;.*)?$/i.test(value.trim());
}

/**
 * Parses a JSON body with a strict zod schema. A body must say `Content-Type: application/json`
 * (415 otherwise: API Gateway's model validation applies to that media type only, so another one
 * would skip it), fit the size limit (413), hold no control or invisible formatting character in
 * any key or string (except line breaks at `multiline` paths), and match the schema. Errors name
 * the field (`kind.userId`), or the unexpected key, and never echo a value.
 */
export function parseJsonBody<S extends z.core.$ZodType>(
  event: ApiGatewayEvent,
  schema: S,
  options: { optional?: boolean; multiline?: readonly string[] } = {},
): z.infer<S> {
  const text = rawBody(event);
  if (text !== '' && !isJsonContentType(header(event, 'Content-Type'))) throw new UnsupportedMediaTypeError();
  if (Buffer.byteLength(text) > MAX_BODY_BYTES) throw new PayloadTooLargeError(MAX_BODY_BYTES);
  let value: unknown;
  if (text.trim() === '') {
    if (!options.optional) throw new ValidationError('is required (a JSON object)', 'body');
    value = {};
  } else {
    try {
      value = JSON.parse(text);
    } catch {
      throw new ValidationError('must be a JSON object', 'body');
    }
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw new ValidationError('must be a JSON object', 'body');
  if (depthOf(value) > MAX_BODY_DEPTH)
    throw new ValidationError(`must not nest deeper than ${MAX_BODY_DEPTH} levels`, 'body');
  const hidden = findHiddenCharacters(value, options.multiline);
  if (hidden !== undefined) throw new ValidationError(HIDDEN_CHARACTERS_MESSAGE, hidden);
  const result = z.safeParse(schema, value);
  if (result.success) return result.data;
  // An unknown key first: it is what a caller most needs to hear (a field it thinks it set).
  const issues = result.error.issues;
  const issue = issues.find((i) => i.code === 'unrecognized_keys') ?? issues[0];
  if (issue?.code === 'unrecognized_keys') {
    const path = [...issue.path, issue.keys[0]].join('.');
    throw new ValidationError('is not a known field', path);
  }
  const field = issue && issue.path.length > 0 ? issue.path.join('.') : 'body';
  throw new ValidationError(issue?.message ?? 'is invalid', field);
}

/**
 * Who is calling, as API Gateway authenticated them: the IAM principal (SigV4, IAM auth) as one
 * person's identity (`identityFromIamArn`: an assumed role counts as its role unless it is a
 * personal-session role), or the Cognito user's `sub` (immutable, unlike an email address).
 * Never read from the body or a header.
 */
export function callerIdentity(event: ApiGatewayEvent, personalSessionRoles: readonly string[] = []): string {
  const context = event.requestContext;
  const arn = context?.identity?.userArn;
  if (typeof arn === 'string' && arn.length > 0) {
    try {
      return identityFromIamArn(arn, personalSessionRoles);
    } catch (error) {
      if (error instanceof ValidationError) throw new ForbiddenError(error.message);
      throw error;
    }
  }
  const sub = context?.authorizer?.claims?.sub;
  if (typeof sub === 'string' && sub.length > 0) return boundedIdentity(sub);
  throw new UnauthenticatedError();
}

function boundedIdentity(identity: string): string {
  // Identities are stored as the requester and passed to the workflows (audit actor, 128 max).
  if (identity.length > 128) throw new ForbiddenError('the caller identity is longer than 128 characters');
  return identity;
}

const STATUS_BY_CODE: Record<string, number> = {
  VALIDATION: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
};

/**
 * Maps an error to the response: typed errors become a 4xx naming the field; anything else is
 * a 500 that says nothing about internals (the details are in the function's logs).
 */
export function errorResponse(error: unknown): ApiResponse {
  if (error instanceof CachegateError) {
    const status =
      STATUS_BY_CODE[error.code] ??
      (error instanceof SlackSignatureError
        ? 401
        : error instanceof SelfApprovalError || error instanceof ApproverNotAllowedError
          ? 403
          : error instanceof AlreadyDecidedError
            ? 409
            : undefined);
    if (status !== undefined) {
      return jsonResponse(status, {
        error: error.code,
        message: error.message,
        ...('field' in error && typeof error.field === 'string' ? { field: error.field } : {}),
      });
    }
  }
  return jsonResponse(500, { error: 'INTERNAL', message: 'internal error' });
}

/** Runs a route and turns any error into its response; `onUnexpected` sees only 5xx causes. */
export async function respond(
  work: () => Promise<ApiResponse>,
  onUnexpected: (error: unknown) => void,
): Promise<ApiResponse> {
  try {
    return await work();
  } catch (error) {
    const response = errorResponse(error);
    if (response.statusCode >= 500) onUnexpected(error);
    return response;
  }
}

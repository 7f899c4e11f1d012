import { defaultSigningIdentity, signedHeaders } from '../../../functions/aws/sigv4.js';
import { APPROVAL_ID_PATTERN, type Decision } from '../../../functions/core/access-request.js';
import { CachegateError, ValidationError } from '../../../functions/core/errors.js';

export interface AwsDecisionOptions {
  approvalId: string;
  decision: Decision;
  /** The stack's onboarding API (output `OnboardingApiUrl`), else `CACHEGATE_API_URL`. */
  apiUrl?: string;
  /** The API's region when its URL does not name one (else AWS_REGION). */
  region?: string;
}

export interface DecisionResult {
  approvalId: string;
  requestId: string;
  decision: Decision;
  approver: string;
}

/**
 * `cachegate approve|reject <id> --aws`: POST /approvals/{id}/approve|reject on the deployed
 * onboarding API, signed with SigV4 from the current AWS credentials. Who decides is whoever
 * API Gateway verifies the signature of, checked on the server against the deployed approvers;
 * nothing on this side (no flag, no list, no table or Step Functions access) decides it.
 */
export async function decideWithAws(options: AwsDecisionOptions): Promise<DecisionResult> {
  if (!APPROVAL_ID_PATTERN.test(options.approvalId))
    throw new ValidationError('must look like AP-XXXXXXXXXX', 'approval-id');
  const url = decisionUrl(
    options.apiUrl ?? process.env.CACHEGATE_API_URL,
    options.approvalId,
    options.decision,
  );
  const identity = await defaultSigningIdentity(options.region);
  const region =
    /\.execute-api\.(?<region>[a-z0-9-]+)\.amazonaws\.com$/.exec(url.hostname)?.groups?.region ??
    identity.region;
  if (!region)
    throw new ValidationError('is required when the API URL names none (or set AWS_REGION)', '--region');
  const body = '';
  const headers = await signedHeaders({
    service: 'execute-api',
    region,
    credentials: identity.credentials,
    method: 'POST',
    url,
    body,
  });
  let response: Response;
  try {
    response = await fetch(url, { method: 'POST', headers, body });
  } catch {
    throw new CachegateError('API_UNREACHABLE', `no onboarding API answers at ${url.origin}`);
  }
  const text = await response.text();
  const json = parseJson(text);
  if (!response.ok) {
    const code = typeof json?.error === 'string' ? json.error : `HTTP_${response.status}`;
    // API Gateway's own refusals (403 on a bad signature) say `message`, ours say `message` too.
    const message = typeof json?.message === 'string' ? json.message : `HTTP ${response.status}`;
    throw new CachegateError(code, message, { exitCode: response.status < 500 ? 2 : 1 });
  }
  return json as unknown as DecisionResult;
}

function decisionUrl(apiUrl: string | undefined, approvalId: string, decision: Decision): URL {
  if (!apiUrl)
    throw new ValidationError(
      'is required with --aws: the stack output OnboardingApiUrl (or set CACHEGATE_API_URL)',
      '--api-url',
    );
  let base: URL;
  try {
    base = new URL(apiUrl.endsWith('/') ? apiUrl : `${apiUrl}/`);
  } catch {
    throw new ValidationError('must be a URL', '--api-url');
  }
  const loopback = base.hostname === '127.0.0.1' || base.hostname === 'localhost';
  if (base.protocol !== 'https:' && !(loopback && base.protocol === 'http:'))
    throw new ValidationError('must be https (http only on 127.0.0.1)', '--api-url');
  return new URL(`approvals/${approvalId}/${decision === 'APPROVED' ? 'approve' : 'reject'}`, base);
}

function parseJson(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return value && typeof value === 'object' ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

import type { Decision } from '../../functions/core/access-request.js';
import { CachegateError, ValidationError } from '../../functions/core/errors.js';

/** The environment variable `cachegate approve|reject` reads `serve`'s approval secret from. */
export const SERVE_SECRET_ENV = 'CACHEGATE_SERVE_SECRET';

/** `cachegate approve|reject` against a running `cachegate serve` (HTTP on localhost). */
export async function decideThroughServe(options: {
  url: string;
  approvalId: string;
  approver: string;
  decision: Decision;
  /** The approval secret `cachegate serve` printed at start. */
  secret: string;
}): Promise<{ approvalId: string; requestId: string; decision: Decision; approver: string }> {
  if (!/^AP-[A-Z2-9]{10}$/.test(options.approvalId))
    throw new ValidationError('must look like AP-XXXXXXXXXX', 'approval-id');
  const url = new URL(`/local/approvals/${options.approvalId}`, options.url);
  if (url.hostname !== '127.0.0.1' && url.hostname !== 'localhost')
    throw new ValidationError('must point at a local `cachegate serve`', 'url');
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${options.secret}` },
      body: JSON.stringify({ approver: options.approver, decision: options.decision }),
    });
  } catch {
    throw new CachegateError('SERVE_UNREACHABLE', `no cachegate serve answers at ${options.url}`);
  }
  const body = (await response.json()) as { message?: string; error?: string };
  if (!response.ok) {
    throw new CachegateError(body.error ?? 'HTTP', body.message ?? `HTTP ${response.status}`, {
      exitCode: response.status < 500 ? 2 : 1,
    });
  }
  return body as Awaited<ReturnType<typeof decideThroughServe>>;
}

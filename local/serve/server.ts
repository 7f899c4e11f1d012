import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { setSlackNotifier } from '../../functions/aws/slack-notifier.js';
import { approvalIdFor, parseApprovers } from '../../functions/core/access-request.js';
import {
  PayloadTooLargeError,
  UnauthenticatedError,
  UnsupportedMediaTypeError,
} from '../../functions/core/api/errors.js';
import {
  errorResponse,
  isJsonContentType,
  jsonResponse,
  type ApiResponse,
} from '../../functions/core/api/http.js';
import { ValidationError } from '../../functions/core/errors.js';
import { decideApproval } from '../../functions/use-cases/decide-approval.js';
import { localStateDir } from '../state-dir.js';
import { createSandbox } from '../sandbox/index.js';
import { createTables } from '../sandbox/tables.js';
import { registerWorkflows } from '../workflows.js';
import { invokeRoute } from './api-gateway.js';
import { SERVE_SECRET_ENV } from './approve-client.js';
import { configureLocalTriggers } from './local-triggers.js';

/**
 * Local-only header naming the caller, standing in for API Gateway's IAM authentication (the
 * server listens on 127.0.0.1 only). In AWS the identity comes from SigV4 or Cognito.
 */
export const LOCAL_IDENTITY_HEADER = 'x-cachegate-local-identity';
/** Local-only route `cachegate approve|reject` uses: POST {approver, decision}. */
const LOCAL_DECISION_ROUTE = /^\/local\/approvals\/(?<id>AP-[A-Z2-9]{10})$/;
/**
 * Routes that decide an approval. The caller names the approver on them (a body field, or the
 * local identity header), so each needs this run's approval secret as `Authorization: Bearer`:
 * without it, any web page open in a browser on this machine could post a decision to 127.0.0.1.
 */
const DECISION_PATHS = [LOCAL_DECISION_ROUTE, /^\/approvals\/[^/]+\/(?:approve|reject)$/];
/** Bodies over this are answered 413 (after reading them, so the client sees the answer). */
const MAX_LOCAL_BODY_BYTES = 1024 * 1024;
/** Past this much, a body is not even drained: the connection is closed. */
const MAX_DRAINED_BYTES = 16 * MAX_LOCAL_BODY_BYTES;

export interface ServeOptions {
  port: number;
  /** APPROVERS entries (people; one person's identities joined by `|`). */
  approvers: string[];
  /** Approve every request as this approver, a moment after it is asked (demo). */
  autoApprove?: string;
  /** Simulated seconds per real second. */
  speed: number;
  /** The approval window (config `approvals.timeoutSeconds` in AWS); default 24 h. */
  approvalTimeoutSeconds?: number;
  log: (line: string) => void;
}

export interface RunningServer {
  url: string;
  signingSecret: string;
  /** Per run: the decision routes require it (`Authorization: Bearer <secret>`). */
  approvalSecret: string;
  close: () => Promise<void>;
}

/**
 * `cachegate serve`: the onboarding API routes and the Slack interaction endpoint on localhost,
 * served by the same Lambda handlers with API Gateway-shaped events, on an embedded sandbox
 * running every workflow in statemachines/.
 */
export async function startServer(options: ServeOptions): Promise<RunningServer> {
  const stateDir = localStateDir();
  mkdirSync(stateDir, { recursive: true });
  const sandbox = await createSandbox({
    speed: options.speed,
    auditFile: join(stateDir, 'serve-audit.jsonl'),
  });
  await createTables();
  registerWorkflows({
    sandbox,
    ...(options.approvalTimeoutSeconds === undefined
      ? {}
      : { approvalTimeoutSeconds: options.approvalTimeoutSeconds }),
    approver: options.autoApprove
      ? ({ token }) => {
          const approvalId = approvalIdFor(token);
          setTimeout(() => {
            decideApproval({
              approvalId,
              approver: options.autoApprove as string,
              decision: 'APPROVED',
              allowedApprovers: parseApprovers(process.env.APPROVERS),
            }).then(
              () => options.log(`auto-approved ${approvalId} as ${options.autoApprove}`),
              (error: Error) => options.log(`auto-approve of ${approvalId} refused: ${error.message}`),
            );
          }, 50);
        }
      : undefined,
  });
  const triggers = await configureLocalTriggers(sandbox, {
    approvers: options.approvers,
    onSlackCall: (call) => options.log(`slack ${call.method}: ${call.message.text}`),
  });

  const approvalSecret = randomBytes(32).toString('base64url');
  const server = createServer((req, res) => {
    void handle(req, res, approvalSecret, options.log);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    signingSecret: triggers.signingSecret,
    approvalSecret,
    close: async () => {
      await closeServer(server);
      setSlackNotifier(undefined);
      await sandbox.close();
    },
  };
}

async function handle(
  req: IncomingMessage,
  res: ServerResponse,
  approvalSecret: string,
  log: (line: string) => void,
): Promise<void> {
  let response: ApiResponse;
  try {
    const body = await readBody(req);
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (DECISION_PATHS.some((route) => route.test(path))) checkApprovalSecret(req, approvalSecret);
    const headers: Record<string, string> = {};
    for (const [key, value] of Object.entries(req.headers)) {
      // The approval secret stays out of handler events (and so out of their logs).
      if (key !== LOCAL_IDENTITY_HEADER && key !== 'authorization' && typeof value === 'string')
        headers[key] = value;
    }
    const caller = req.headers[LOCAL_IDENTITY_HEADER];
    const decision = LOCAL_DECISION_ROUTE.exec(path);
    if (decision && req.method === 'POST') {
      if (!isJsonContentType(req.headers['content-type'])) throw new UnsupportedMediaTypeError();
      response = await localDecision(decision.groups?.id as string, body);
    } else {
      response = await invokeRoute({
        method: req.method ?? 'GET',
        path,
        headers,
        body,
        ...(typeof caller === 'string' && caller !== '' ? { identity: { iamArn: caller } } : {}),
      });
    }
    log(`${req.method} ${path} → ${response.statusCode}`);
  } catch (error) {
    response = errorResponse(error);
  }
  res.writeHead(response.statusCode, response.headers);
  res.end(response.body);
}

async function localDecision(approvalId: string, body: string): Promise<ApiResponse> {
  let parsed: { approver?: unknown; decision?: unknown };
  try {
    parsed = JSON.parse(body) as typeof parsed;
  } catch {
    throw new ValidationError('must be a JSON object', 'body');
  }
  if (typeof parsed.approver !== 'string' || parsed.approver === '')
    throw new ValidationError('is required', 'approver');
  if (parsed.decision !== 'APPROVED' && parsed.decision !== 'REJECTED')
    throw new ValidationError('must be APPROVED or REJECTED', 'decision');
  const result = await decideApproval({
    approvalId,
    approver: parsed.approver,
    decision: parsed.decision,
    allowedApprovers: parseApprovers(process.env.APPROVERS),
  });
  return jsonResponse(200, result);
}

function checkApprovalSecret(req: IncomingMessage, approvalSecret: string): void {
  const given = Buffer.from(/^Bearer (\S+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '');
  const expected = Buffer.from(approvalSecret);
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    throw new UnauthenticatedError(
      `Authorization: must be "Bearer <this run's approval secret>" (printed by cachegate serve at start; ${SERVE_SECRET_ENV} for cachegate approve)`,
    );
}

/**
 * The body as text. One over the limit is still read to its end (and dropped) so that the client,
 * which is still sending, gets the 413 instead of a reset connection; one past MAX_DRAINED_BYTES
 * is not worth reading, and its connection is closed.
 */
function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_DRAINED_BYTES) req.destroy();
      else if (size <= MAX_LOCAL_BODY_BYTES) chunks.push(chunk);
    });
    req.on('end', () =>
      size > MAX_LOCAL_BODY_BYTES
        ? reject(new PayloadTooLargeError(MAX_LOCAL_BODY_BYTES))
        : resolve(Buffer.concat(chunks).toString('utf8')),
    );
    req.on('error', reject);
    req.on('close', () => reject(new Error('the connection closed before the body ended')));
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

/**
 * Runs until SIGINT or SIGTERM, printing how to call it. Workflows live in this process's memory:
 * stopping abandons every execution still running, approvals pending included (said at start and
 * at the stop); the caller ends the process, since those executions still hold timers.
 */
export async function runServe(options: ServeOptions): Promise<void> {
  const running = await startServer(options);
  options.log(`cachegate serve: ${running.url} (embedded sandbox, no AWS account)`);
  options.log(
    `  POST ${running.url}/access-requests       (header ${LOCAL_IDENTITY_HEADER}: <caller>, Idempotency-Key)`,
  );
  options.log(`  GET  ${running.url}/access-requests/{id}`);
  options.log(`  POST ${running.url}/access-requests/{id}/revoke`);
  options.log(
    `  POST ${running.url}/slack/interactions  (Slack signing secret for this run: ${running.signingSecret})`,
  );
  options.log(
    `  POST ${running.url}/local/approvals/{approvalId}  (cachegate approve|reject --as <approver>; Authorization: Bearer <approval secret>)`,
  );
  options.log(`  approval secret for this run: export ${SERVE_SECRET_ENV}=${running.approvalSecret}`);
  options.log(
    `  approvers: ${options.approvers.join(', ')}${options.autoApprove ? `; auto-approving as ${options.autoApprove}` : ''}`,
  );
  options.log('  workflows run in memory: stopping serve loses every pending approval');
  const signal = await new Promise<string>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
  options.log(`${signal}: stopping; pending approvals and running workflows are lost`);
  await running.close();
}

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { setSlackNotifier } from '../../functions/aws/slack-notifier.js';
import { approvalIdFor, parseApprovers } from '../../functions/core/access-request.js';
import { errorResponse, jsonResponse, type ApiResponse } from '../../functions/core/api/http.js';
import { ValidationError } from '../../functions/core/errors.js';
import { decideApproval } from '../../functions/use-cases/decide-approval.js';
import { localStateDir } from '../state-dir.js';
import { createSandbox } from '../sandbox/index.js';
import { createTables } from '../sandbox/tables.js';
import { registerWorkflows } from '../workflows.js';
import { invokeRoute } from './api-gateway.js';
import { configureLocalTriggers } from './local-triggers.js';

/**
 * Local-only header naming the caller, standing in for API Gateway's IAM authentication (the
 * server listens on 127.0.0.1 only). In AWS the identity comes from SigV4 or Cognito.
 */
export const LOCAL_IDENTITY_HEADER = 'x-cachegate-local-identity';
/** Local-only route `cachegate approve|reject` uses: POST {approver, decision}. */
const LOCAL_DECISION_ROUTE = /^\/local\/approvals\/(?<id>AP-[A-Z2-9]{10})$/;

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

  const server = createServer((req, res) => {
    void handle(req, res, options.log);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    signingSecret: triggers.signingSecret,
    close: async () => {
      await closeServer(server);
      setSlackNotifier(undefined);
      await sandbox.close();
    },
  };
}

async function handle(req: IncomingMessage, res: ServerResponse, log: (line: string) => void): Promise<void> {
  let response: ApiResponse;
  try {
    const body = await readBody(req);
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    const headers: Record<string, string> = {};
    for (const [key, value] of Object.entries(req.headers)) {
      if (key !== LOCAL_IDENTITY_HEADER && typeof value === 'string') headers[key] = value;
    }
    const caller = req.headers[LOCAL_IDENTITY_HEADER];
    const decision = LOCAL_DECISION_ROUTE.exec(path);
    if (decision && req.method === 'POST') {
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

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > 1024 * 1024) {
        reject(new ValidationError('must be at most 1 MiB', 'body'));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

/** Runs until Ctrl-C, printing how to call it. */
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
    `  approvers: ${options.approvers.join(', ')}${options.autoApprove ? `; auto-approving as ${options.autoApprove}` : ''}`,
  );
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await running.close();
}

import { getRequest } from '../../functions/aws/access-requests-table.js';
import { describeUser } from '../../functions/aws/elasticache.js';
import { executionArnFor } from '../../functions/core/api/workflow-arns.js';
import type { StepFunctionsModel } from '../sandbox/models/step-functions.js';
import { invokeRoute, type HttpRequest } from '../serve/api-gateway.js';
import { configureLocalTriggers } from '../serve/local-triggers.js';
import { signedSlackClick } from '../serve/slack-request.js';
import { stateMachineArn } from '../workflows.js';
import type { DemoContext } from './demo-context.js';

const BOB = 'arn:aws:iam::111111111111:user/bob';
const ALICE = 'arn:aws:iam::111111111111:user/alice';

/**
 * A cache-user access request from the API to a working user: bob POSTs it (twice, same
 * Idempotency-Key: one request), the approval goes to Slack, bob's own click is refused, alice's
 * Slack-signed click approves it, onboard-user creates the user, and the API shows the result;
 * then alice revokes it and the request ends REVOKED once offboard-user has deleted the user.
 */
export async function accessRequestChapter({ sandbox, narrator, approvals }: DemoContext): Promise<void> {
  narrator.heading('Access request: API → Slack approval → a working cache user');
  const triggers = await configureLocalTriggers(sandbox, {
    approvers: [`U0ALICE|${ALICE}`, `U0BOB|${BOB}`],
    onSlackCall: (call) => narrator.detail(`slack ${call.method}: ${call.message.text}`),
  });
  narrator.detail('Slack signing secret generated for this run; approvers: alice (U0ALICE), bob (U0BOB)');

  const post: HttpRequest = {
    method: 'POST',
    path: '/access-requests',
    headers: { 'content-type': 'application/json', 'Idempotency-Key': 'demo-bob-orders-reader-1' },
    body: JSON.stringify({
      kind: {
        type: 'cache-user',
        userId: 'bob-orders-reader',
        userName: 'bob-orders-reader',
        accessString: 'on ~orders:* -@all +@read',
        userGroupIds: ['orders-users'],
      },
      justification: 'read access to the orders cache to debug incident 4711',
    }),
    identity: { iamArn: BOB },
  };

  approvals.next = async () => {
    const message = triggers.slack.calls.findLast((c) => c.method === 'chat.postMessage');
    const approvalId = /approval (AP-[A-Z2-9]{10})/.exec(message?.message.text ?? '')?.[1] as string;
    narrator.step(`the Slack buttons carry only ${approvalId}; the task token stays in DynamoDB`);
    narrator.step('bob clicks Approve on his own request (Slack-signed as U0BOB)…');
    const own = await invokeRoute(
      signedSlackClick({
        signingSecret: triggers.signingSecret,
        approvalId,
        user: 'U0BOB',
        decision: 'APPROVED',
      }),
    );
    narrator.detail(`refused: ${JSON.parse(own.body).error as string}`);
    narrator.step('a forged click (wrong signing secret) for alice…');
    const forged = await invokeRoute(
      signedSlackClick({ signingSecret: 'guessed', approvalId, user: 'U0ALICE', decision: 'APPROVED' }),
    );
    narrator.detail(`HTTP ${forged.statusCode}: ${JSON.parse(forged.body).error as string}`);
    narrator.step('alice clicks Approve (Slack-signed as U0ALICE)');
    const click = signedSlackClick({
      signingSecret: triggers.signingSecret,
      approvalId,
      user: 'U0ALICE',
      decision: 'APPROVED',
    });
    await invokeRoute(click);
    const replay = await invokeRoute(click);
    narrator.detail(
      `the same signed request replayed: ${JSON.parse(replay.body).error as string}, nothing changes`,
    );
  };

  narrator.step(
    'bob: POST /access-requests (Idempotency-Key: demo-bob-orders-reader-1), signed as his IAM user',
  );
  const first = await invokeRoute(post);
  const created = JSON.parse(first.body) as { requestId: string; status: string };
  narrator.detail(`HTTP ${first.statusCode}: ${created.requestId} ${created.status}`);
  const repeat = await invokeRoute(post);
  const repeated = JSON.parse(repeat.body) as { requestId: string };
  narrator.detail(
    `the same POST again: HTTP ${repeat.statusCode}, the same ${repeated.requestId}, no second workflow`,
  );

  const executionArn = executionArnFor(stateMachineArn(sandbox, 'access-request'), created.requestId);
  const result = await sandbox.model<StepFunctionsModel>('SFN').waitForExecution(executionArn);
  approvals.next = undefined;
  const stored = await getRequest(created.requestId);
  narrator.step(
    `workflow ${result.status}: request ${stored.status.toLowerCase()}, decided by ${stored.decidedBy}`,
  );
  const user = await describeUser('bob-orders-reader');
  if (user) {
    narrator.detail(
      `ElastiCache user ${user.userId}: ${user.status}, "${user.accessString}", groups ${user.userGroupIds.join(', ')}, ${user.passwordCount} password(s) in Secrets Manager`,
    );
  }
  const view = await invokeRoute({
    method: 'GET',
    path: `/access-requests/${created.requestId}`,
    headers: {},
    body: '',
    identity: { iamArn: BOB },
  });
  narrator.detail(
    `GET /access-requests/${created.requestId}: HTTP ${view.statusCode} ${JSON.parse(view.body).status}`,
  );

  narrator.step('incident closed: alice revokes the access (POST /access-requests/{id}/revoke)');
  const revoke = await invokeRoute({
    method: 'POST',
    path: `/access-requests/${created.requestId}/revoke`,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ reason: 'incident 4711 closed' }),
    identity: { iamArn: ALICE },
  });
  narrator.detail(`HTTP ${revoke.statusCode} ${JSON.parse(revoke.body).status}: offboard-user started`);
  const offboard = executionArnFor(stateMachineArn(sandbox, 'offboard-user'), `revoke-${created.requestId}`);
  await sandbox.model<StepFunctionsModel>('SFN').waitForExecution(offboard);
  const after = await invokeRoute({
    method: 'GET',
    path: `/access-requests/${created.requestId}`,
    headers: {},
    body: '',
    identity: { iamArn: BOB },
  });
  narrator.detail(
    `GET again once offboard-user ended: ${JSON.parse(after.body).status}; ElastiCache user ${(await describeUser('bob-orders-reader')) ? 'still there' : 'gone'}`,
  );
}

import { randomUUID } from 'node:crypto';
import { approvalIdFor } from '../../functions/core/access-request.js';
import { getRequest } from '../../functions/aws/access-requests-table.js';
import { decideApproval } from '../../functions/decide-approval/decide.js';
import type { DemoContext } from './demo-context.js';

/** A cache-user access request: recorded, approved by someone else, granted, closed. */
export async function accessRequestChapter({ narrator, run, approvals }: DemoContext): Promise<void> {
  narrator.heading('Access request with an authenticated approval');
  const requestId = `req-${randomUUID()}`;
  narrator.step(`bob asks for read access to the orders cache (request ${requestId})`);
  approvals.next = async ({ token }) => {
    const approvalId = approvalIdFor(token);
    narrator.step(
      `approval ${approvalId} is waiting; Slack and the CLI only ever see this ID, never the task token`,
    );
    narrator.step(`bob tries to approve his own request…`);
    await decideApproval({
      approvalId,
      approver: 'bob',
      decision: 'APPROVED',
      allowedApprovers: ['alice'],
    }).catch((error: Error) => narrator.detail(`refused: ${error.message}`));
    narrator.step(`alice approves ${approvalId}`);
    await decideApproval({
      approvalId,
      approver: 'alice',
      decision: 'APPROVED',
      allowedApprovers: ['alice'],
    });
  };
  const result = await run('access-request', {
    request: {
      requestId,
      requester: 'bob',
      justification: 'read access to the orders cache to debug incident 4711',
      kind: {
        type: 'cache-user',
        userId: 'bob-orders-reader',
        userName: 'bob-orders-reader',
        accessString: 'on ~orders:* -@all +@read',
        userGroupIds: ['orders-users'],
      },
    },
  });
  const stored = await getRequest(requestId);
  narrator.step(
    `workflow ${result.status}: request ${stored.status.toLowerCase()}, decided by ${stored.decidedBy}`,
  );
}

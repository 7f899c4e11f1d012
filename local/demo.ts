import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { accessRequestChapter } from './demo/access-request-chapter.js';
import { clientVpnChapter } from './demo/client-vpn-chapter.js';
import type { DemoContext } from './demo/demo-context.js';
import { Narrator } from './demo/narrator.js';
import { iamChapter } from './demo/iam-chapter.js';
import { memoryDbChapter } from './demo/memorydb-chapter.js';
import { pkiChapter } from './demo/pki-chapter.js';
import { rbacChapter } from './demo/rbac-chapter.js';
import { rotationChapter } from './demo/rotation-chapter.js';
import { serverlessChapter } from './demo/serverless-chapter.js';
import { localStateDir } from './state-dir.js';
import { createSandbox } from './sandbox/index.js';
import { createTables } from './sandbox/tables.js';
import { vpnAccessChapter } from './demo/vpn-access-chapter.js';
import { registerWorkflows } from './workflows.js';
import { quietLambdaOutput } from './lambda-output.js';

export interface DemoOptions {
  /** Compress simulated time hard (CI and tests); otherwise waits are visible but short. */
  fast: boolean;
  /** Print every workflow state and the Lambdas' own log lines. */
  verbose?: boolean;
}

/**
 * `npm start`: every workflow that exists, end to end, on the embedded sandbox — no AWS
 * account. Each capability adds a chapter.
 */
export async function runDemo(options: DemoOptions): Promise<void> {
  const narrator = new Narrator(undefined, options.verbose === true);
  const stateDir = localStateDir();
  rmSync(stateDir, { recursive: true, force: true });
  mkdirSync(stateDir, { recursive: true });
  const auditFile = join(stateDir, 'audit.jsonl');
  quietLambdaOutput(options.verbose === true);

  narrator.heading('Embedded sandbox');
  const speed = options.fast ? 2000 : 60;
  const sandbox = await createSandbox({ speed, auditFile });
  await createTables();
  narrator.step(`AWS services modelled in memory; 1 real second = ${speed} simulated seconds`);
  narrator.detail(`DynamoDB: dynalite in memory; audit trail: ${auditFile}`);

  const approvals: DemoContext['approvals'] = {};
  const machines = registerWorkflows({
    sandbox,
    approver: (request) => approvals.next?.(request),
    onEvent: (event, executionArn) => narrator.workflowEvent(executionArn.split(':').at(-2) ?? '', event),
  });
  narrator.detail(`workflows loaded from statemachines/: ${Object.keys(machines).join(', ')}`);
  const context: DemoContext = {
    sandbox,
    narrator,
    machines,
    approvals,
    run: async (workflow, input) => {
      const machine = machines[workflow];
      if (!machine) throw new Error(`no workflow ${workflow}`);
      return machine.run(input);
    },
  };

  try {
    await rbacChapter(context);
    await accessRequestChapter(context);
    await vpnAccessChapter(context);
    await rotationChapter(context);
    await memoryDbChapter(context);
    await iamChapter(context);
    await serverlessChapter(context);

    await clientVpnChapter(context);

    await pkiChapter(context);

    narrator.heading('Audit trail (one event per change, identifiers only)');
    for (const line of readFileSync(auditFile, 'utf8').trim().split('\n')) {
      const event = JSON.parse(line) as { detailType: string; detail: { actor: string; subject: object } };
      narrator.detail(
        `${event.detailType.padEnd(20)} by ${event.detail.actor.padEnd(10)} ${JSON.stringify(event.detail.subject)}`,
      );
    }
    narrator.heading('Done');
  } finally {
    await sandbox.close();
  }
}

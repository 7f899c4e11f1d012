import type { Command } from 'commander';

/** `cachegate approve|reject <approval-id> --as <approver>`, against a running `cachegate serve`. */
export function registerApprovalCommands(program: Command): void {
  for (const [name, decision] of [
    ['approve', 'APPROVED'],
    ['reject', 'REJECTED'],
  ] as const) {
    program
      .command(`${name} <approval-id>`)
      .description(`${name} an access request by its approval ID (as shown in Slack)`)
      .requiredOption(
        '--as <approver>',
        'the approver’s identity (Slack user ID or IAM ARN, as listed in APPROVERS)',
      )
      .option('--url <url>', 'the running `cachegate serve`', 'http://127.0.0.1:8787')
      .action(async (approvalId: string, options: { as: string; url: string }) => {
        const { decideThroughServe } = await import('../../local/serve/approve-client.js');
        const result = await decideThroughServe({
          url: options.url,
          approvalId,
          approver: options.as,
          decision,
        });
        process.stdout.write(
          `${result.approvalId} ${result.decision.toLowerCase()} by ${result.approver} (request ${result.requestId})\n`,
        );
      });
  }
}

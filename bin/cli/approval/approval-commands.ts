import type { Command } from 'commander';
import { ValidationError } from '../../../functions/core/errors.js';
import { SERVE_SECRET_ENV } from '../../../local/serve/approve-client.js';

interface DecisionOptions {
  as?: string;
  url: string;
  aws?: boolean;
  apiUrl?: string;
  region?: string;
}

/**
 * `cachegate approve|reject <approval-id>`: against a running `cachegate serve` (`--as`), or
 * against the deployed stack (`--aws`: the signed caller is the approver, checked on the server).
 * There is no option naming the allowed approvers: they are the deployed configuration.
 */
export function registerApprovalCommands(program: Command): void {
  for (const [name, decision] of [
    ['approve', 'APPROVED'],
    ['reject', 'REJECTED'],
  ] as const) {
    program
      .command(`${name} <approval-id>`)
      .description(`${name} an access request by its approval ID (as shown in Slack)`)
      .option(
        '--as <approver>',
        'local `serve` only: the approver’s identity (Slack user ID or IAM ARN, as listed in APPROVERS)',
      )
      .option('--url <url>', 'the running `cachegate serve`', 'http://127.0.0.1:8787')
      .option('--aws', 'decide on the deployed stack, as the caller of the current AWS credentials (SigV4)')
      .option(
        '--api-url <url>',
        'with --aws: the onboarding API (stack output OnboardingApiUrl; else CACHEGATE_API_URL)',
      )
      .option('--region <region>', 'with --aws: the API’s region when its URL names none (else AWS_REGION)')
      .action(async (approvalId: string, options: DecisionOptions) => {
        let result: { approvalId: string; requestId: string; decision: string; approver: string };
        if (options.aws) {
          if (options.as !== undefined)
            throw new ValidationError('cannot be used with --aws: the approver is the AWS caller', '--as');
          const { decideWithAws } = await import('./approval-aws.js');
          result = await decideWithAws({
            approvalId,
            decision,
            ...(options.apiUrl ? { apiUrl: options.apiUrl } : {}),
            ...(options.region ? { region: options.region } : {}),
          });
        } else {
          if (options.as === undefined) throw new ValidationError('is required (or use --aws)', '--as');
          // From the environment, not an option: a command line is visible to every local user.
          const secret = process.env[SERVE_SECRET_ENV];
          if (!secret)
            throw new ValidationError(
              'is required: the approval secret `cachegate serve` printed at start',
              SERVE_SECRET_ENV,
            );
          const { decideThroughServe } = await import('../../../local/serve/approve-client.js');
          result = await decideThroughServe({
            url: options.url,
            approvalId,
            approver: options.as,
            decision,
            secret,
          });
        }
        process.stdout.write(
          `${result.approvalId} ${result.decision.toLowerCase()} by ${result.approver} (request ${result.requestId})\n`,
        );
      });
  }
}

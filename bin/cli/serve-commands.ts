import type { Command } from 'commander';

/** `cachegate serve`: the onboarding API and the Slack endpoint on localhost (embedded sandbox). */
export function registerServeCommands(program: Command): void {
  program
    .command('serve')
    .description(
      'run the onboarding API and the Slack interaction endpoint on localhost, on the embedded sandbox',
    )
    .option('--port <n>', 'port on 127.0.0.1', '8787')
    .option(
      '--approvers <list>',
      'comma-separated approvers; one person’s identities joined by | (Slack user ID|IAM ARN)',
      'U0ALICE|arn:aws:iam::111111111111:user/alice,U0CAROL|arn:aws:iam::111111111111:user/carol',
    )
    .option('--auto-approve <approver>', 'approve every request as this approver (demo)')
    .option('--speed <n>', 'simulated seconds per real second', '60')
    .option('--approval-timeout <seconds>', 'how long approvers have to decide (default 86400, 300-604800)')
    .option('--verbose', 'also print the handlers’ JSON log lines and Powertools warnings')
    .action(
      async (options: {
        port: string;
        approvers: string;
        autoApprove?: string;
        speed: string;
        approvalTimeout?: string;
        verbose?: boolean;
      }) => {
        const { quietLambdaOutput } = await import('../../local/lambda-output.js');
        quietLambdaOutput(options.verbose === true);
        const { parseServeOptions } = await import('../../local/serve/serve-options.js');
        const { runServe } = await import('../../local/serve/server.js');
        await runServe({ ...parseServeOptions(options), log: (line) => process.stdout.write(`${line}\n`) });
        // Executions still waiting (an approval, a retry) hold timers in this process; they were
        // abandoned by the stop, so they must not keep it alive.
        process.exit(0);
      },
    );
}

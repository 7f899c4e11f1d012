import type { Command } from 'commander';

export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('narrated end-to-end run of every workflow on the embedded sandbox (no AWS account)')
    .option('--fast', 'compress every wait to zero (default: waits shortened to real-time-ish seconds)')
    .option('--verbose', "print every workflow state and the Lambdas' own log lines")
    .action(async (options: { fast?: boolean; verbose?: boolean }) => {
      const { runDemo } = await import('../../local/demo.js');
      await runDemo({ fast: options.fast === true, verbose: options.verbose === true });
    });
}

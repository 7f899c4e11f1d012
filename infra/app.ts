import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { join } from 'node:path';
import { repoRoot } from '../workflows/repo-root.js';
import { CachegateStack } from './cachegate-stack.js';
import { loadConfig } from './config.js';

/**
 * `npx cdk synth` uses infra/config/example.json (every capability on) unless
 * `-c config=<file>` names another. cdk-nag runs in the synth: an unacknowledged finding fails it.
 */
export function buildApp(app = new App()): { app: App; stack: CachegateStack } {
  const configFile =
    (app.node.tryGetContext('config') as string | undefined) ??
    join(repoRoot(), 'infra', 'config', 'example.json');
  const config = loadConfig(configFile);
  const stack = new CachegateStack(app, config.stackName, { config, env: config.env });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stack };
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop() ?? '')) {
  buildApp().app.synth();
}

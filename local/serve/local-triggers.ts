import { randomBytes } from 'node:crypto';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { createAwsClient } from '../../functions/aws/clients.js';
import { setSlackNotifier } from '../../functions/aws/slack-notifier.js';
import { stateMachineEnvVar } from '../../functions/core/api/workflow-arns.js';
import type { Sandbox } from '../sandbox/sandbox.js';
import { stateMachineArn } from '../workflows.js';
import { RecordingSlackNotifier, type RecordedSlackCall } from './recording-slack.js';

/** Workflows the API and the Slack endpoint start, found by the `cachegate-<name>` convention. */
const TRIGGERED_WORKFLOWS = ['access-request', 'offboard-user', 'revoke-certificate'];

export const LOCAL_SLACK_CHANNEL = 'C0CACHEGATE';

export interface LocalTriggers {
  /** Generated per run; `cachegate serve` prints it so a Slack-signed request can be built. */
  signingSecret: string;
  slack: RecordingSlackNotifier;
}

/**
 * Configures the API and Slack handlers for the sandbox as the CDK stack configures them in
 * AWS: workflow ARNs, approvers, a Slack secret in (sandbox) Secrets Manager, the approval
 * channel, and a recording Slack notifier instead of slack.com.
 */
export async function configureLocalTriggers(
  sandbox: Sandbox,
  options: { approvers: string[]; onSlackCall?: (call: RecordedSlackCall) => void },
): Promise<LocalTriggers> {
  for (const name of TRIGGERED_WORKFLOWS)
    process.env[stateMachineEnvVar(name)] = stateMachineArn(sandbox, name);
  process.env.APPROVERS = options.approvers.join(',');
  const signingSecret = randomBytes(16).toString('hex');
  const secrets = createAwsClient(SecretsManagerClient, {});
  const { ARN } = await secrets.send(
    new CreateSecretCommand({
      Name: `cachegate/slack-${randomBytes(4).toString('hex')}`,
      SecretString: JSON.stringify({
        signingSecret,
        botToken: `xoxb-local-${randomBytes(8).toString('hex')}`,
      }),
    }),
  );
  process.env.SLACK_SECRET_ARN = ARN;
  process.env.SLACK_APPROVAL_CHANNEL = LOCAL_SLACK_CHANNEL;
  const slack = new RecordingSlackNotifier(options.onSlackCall);
  setSlackNotifier(slack);
  return { signingSecret, slack };
}

import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { createAwsClient } from '../../functions/aws/clients.js';
import type { ElastiCacheModel } from '../sandbox/models/elasticache/index.js';
import { seedUserWithSecret } from '../sandbox/seed-user-with-secret.js';
import type { DemoContext } from './demo-context.js';

/**
 * Rotates a user's password twice while a client keeps reading AWSCURRENT and authenticating
 * with it against the user's live password list: every attempt succeeds, and the user never
 * holds more than two passwords.
 */
export async function rotationChapter({ sandbox, narrator, run }: DemoContext): Promise<void> {
  narrator.heading('Password rotation under the two-password limit (rotate-password)');
  const model = sandbox.model<ElastiCacheModel>('ElastiCache');
  const live = new Map<string, readonly string[]>();
  let maxPasswords = 0;
  const previousHook = model.onUserChanged;
  model.onUserChanged = async (user, passwords) => {
    live.set(user.UserName ?? '', passwords);
    maxPasswords = Math.max(maxPasswords, passwords.length);
    await previousHook?.(user, passwords);
  };
  const userId = 'reports-app';
  const { secretArn } = await seedUserWithSecret(sandbox, userId);
  narrator.step(`user ${userId} is active with one password; its secret holds it as AWSCURRENT`);
  const secrets = createAwsClient(SecretsManagerClient, {});
  let attempts = 0;
  let failures = 0;
  let running = true;
  const client = (async () => {
    while (running) {
      await model.settle();
      const { SecretString } = await secrets.send(new GetSecretValueCommand({ SecretId: secretArn }));
      const { password } = JSON.parse(SecretString ?? '{}') as { password: string };
      attempts += 1;
      if (!(live.get(userId) ?? []).includes(password)) failures += 1;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  })();
  narrator.step(
    'a client re-authenticates with AWSCURRENT every few milliseconds while the user is rotated twice',
  );
  try {
    for (const round of [1, 2]) {
      const execution = await run('rotate-password', { userId, requestedBy: 'demo' });
      const output = execution.output as { status: string; versionId: string } | undefined;
      narrator.step(
        `rotation ${round}: ${execution.status}, AWSCURRENT is now version ${output?.versionId ?? '?'}`,
      );
    }
  } finally {
    running = false;
    await client;
    model.onUserChanged = previousHook;
  }
  narrator.step(
    `client: ${attempts} authentications with AWSCURRENT, ${failures} failed; the user never held more than ${maxPasswords} passwords`,
  );
  narrator.detail('the oldest password was dropped only by the second rotation, after clients had moved on');
}

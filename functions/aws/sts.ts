import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { createAwsClient } from './clients.js';

let stsClient: STSClient | undefined;

/** The ARN of whoever the current credentials belong to (STS GetCallerIdentity). */
export async function callerArn(): Promise<string> {
  stsClient ??= createAwsClient(STSClient, {});
  const { Arn } = await stsClient.send(new GetCallerIdentityCommand({}));
  if (!Arn) throw new Error('STS GetCallerIdentity returned no ARN');
  return Arn;
}

import { SandboxClock } from './clock.js';
import { AcmModel } from './models/acm.js';
import { CloudWatchModel } from './models/cloudwatch.js';
import { Ec2ClientVpnModel } from './models/ec2-client-vpn/index.js';
import { ElastiCacheModel } from './models/elasticache/index.js';
import { EventBridgeModel } from './models/eventbridge.js';
import { IamModel } from './models/iam.js';
import { KmsModel } from './models/kms.js';
import { MemoryDbModel } from './models/memorydb/index.js';
import { SecretsManagerModel } from './models/secrets-manager.js';
import { StepFunctionsModel } from './models/step-functions.js';
import { StsModel } from './models/sts.js';
import { Sandbox } from './sandbox.js';

export { Sandbox } from './sandbox.js';
export { SandboxClock } from './clock.js';
export type { ArmedFaultHandle, FaultSpec, FaultMode } from './faults.js';

export interface SandboxOptions {
  /** Simulated seconds per real second; 0 = manual clock (see SandboxClock). */
  speed?: number;
  /** Append audit events (EventBridge PutEvents) to this JSON-lines file. */
  auditFile?: string;
  /** Start dynalite so DynamoDB-backed code (access requests, locks, indexes) works. Default true. */
  dynamoDb?: boolean;
}

/** A sandbox with every service model cachegate uses, installed as the global client hook. */
export async function createSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const clock = new SandboxClock({ speed: options.speed ?? 0 });
  const sandbox = new Sandbox({ clock });
  const acm = new AcmModel(clock, sandbox.region, sandbox.accountId);
  sandbox
    .register(new SecretsManagerModel(clock, sandbox.region, sandbox.accountId))
    .register(new EventBridgeModel(clock, options.auditFile))
    .register(new CloudWatchModel())
    .register(new StepFunctionsModel())
    .register(new ElastiCacheModel(clock, { region: sandbox.region, accountId: sandbox.accountId }))
    .register(acm)
    .register(
      new Ec2ClientVpnModel(clock, {
        region: sandbox.region,
        accountId: sandbox.accountId,
        certificates: acm,
      }),
    )
    .register(new KmsModel(clock, sandbox.region, sandbox.accountId))
    .register(new MemoryDbModel(clock, { region: sandbox.region, accountId: sandbox.accountId }))
    .register(new IamModel(sandbox.accountId))
    .register(new StsModel(clock, sandbox.accountId));
  if (options.dynamoDb !== false) await sandbox.startDynamoDb();
  return sandbox.install();
}

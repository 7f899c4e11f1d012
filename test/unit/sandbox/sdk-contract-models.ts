import path from 'node:path';
import type { ModelUnderTest } from './sdk-contract.js';

const MODELS = path.resolve(import.meta.dirname, '../../../local/sandbox/models');

/** Every model createSandbox registers, with the SDK client its commands belong to. */
export const SANDBOX_MODELS: ModelUnderTest[] = [
  {
    file: 'secrets-manager.ts',
    className: 'SecretsManagerModel',
    sdkPackage: '@aws-sdk/client-secrets-manager',
  },
  { file: 'eventbridge.ts', className: 'EventBridgeModel', sdkPackage: '@aws-sdk/client-eventbridge' },
  { file: 'cloudwatch.ts', className: 'CloudWatchModel', sdkPackage: '@aws-sdk/client-cloudwatch' },
  { file: 'step-functions.ts', className: 'StepFunctionsModel', sdkPackage: '@aws-sdk/client-sfn' },
  { file: 'elasticache/index.ts', className: 'ElastiCacheModel', sdkPackage: '@aws-sdk/client-elasticache' },
  { file: 'acm.ts', className: 'AcmModel', sdkPackage: '@aws-sdk/client-acm' },
  { file: 'ec2-client-vpn/index.ts', className: 'Ec2ClientVpnModel', sdkPackage: '@aws-sdk/client-ec2' },
  { file: 'kms.ts', className: 'KmsModel', sdkPackage: '@aws-sdk/client-kms' },
  { file: 'memorydb/index.ts', className: 'MemoryDbModel', sdkPackage: '@aws-sdk/client-memorydb' },
  { file: 'iam.ts', className: 'IamModel', sdkPackage: '@aws-sdk/client-iam' },
  { file: 'sts.ts', className: 'StsModel', sdkPackage: '@aws-sdk/client-sts' },
].map((m) => ({ ...m, file: path.join(MODELS, m.file) }));

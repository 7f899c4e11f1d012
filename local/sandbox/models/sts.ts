import type { ServiceModel } from '../sandbox.js';

/**
 * STS `GetCallerIdentity`: who the credentials belong to. The sandbox's credentials are dummies,
 * so the caller is whatever the test or demo sets (`callerArn`); by default an IAM user of the
 * sandbox account. `cachegate approve --aws` reads the approver from here.
 */
export class StsModel implements ServiceModel {
  readonly serviceId = 'STS';
  callerArn: string;

  constructor(private readonly accountId: string) {
    this.callerArn = `arn:aws:iam::${accountId}:user/sandbox-operator`;
  }

  readonly commands = {
    GetCallerIdentity: () => ({
      Account: this.callerArn.split(':')[4] || this.accountId,
      Arn: this.callerArn,
      // AWS returns the unique ID (AIDA… / AROA…:session); only its shape matters here.
      UserId: this.callerArn.includes(':assumed-role/')
        ? `AROASANDBOXROLE0000000:${this.callerArn.split('/').pop()}`
        : 'AIDASANDBOXUSER0000000',
    }),
  };
}

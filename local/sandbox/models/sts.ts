import { randomBytes } from 'node:crypto';
import type { SandboxClock } from '../clock.js';
import type { ServiceModel } from '../sandbox.js';
import { genericFault } from '../service-error.js';
import { ROLE_ARN, roleAccount } from '../../../functions/core/crl-refresh/endpoint-locations.js';

/**
 * AWS STS AssumeRole, enough for cross-account calls: a role another account lets cachegate
 * assume (`allowAssumeRole`, the sandbox's stand-in for that role's trust policy) yields temporary
 * credentials; the sandbox routes each call made with them to that account's models. Any other
 * role is refused with `AccessDenied` (403), as STS refuses a role whose trust policy does not
 * name the caller. RoleSessionName and DurationSeconds are checked against the API reference
 * (2–64 characters of `[\w+=,.@-]`; 900–43,200 seconds).
 */
/**
 * Which account issued each session's access key. Shared by every sandbox of the process: an
 * adapter keeps its credentials across sandboxes (tests), and keys are random, so none collide.
 */
const sessionAccounts = new Map<string, string>();

export class StsModel implements ServiceModel {
  readonly serviceId = 'STS';
  private readonly assumable = new Set<string>();
  /** Every AssumeRole that succeeded: role ARN and session name. */
  readonly assumed: { roleArn: string; sessionName: string }[] = [];

  constructor(
    private readonly clock: SandboxClock,
    private readonly accountId: string,
  ) {}

  allowAssumeRole(roleArn: string): void {
    if (!ROLE_ARN.test(roleArn)) throw new Error(`not an IAM role ARN: ${roleArn}`);
    this.assumable.add(roleArn);
  }

  /** The account whose role issued these temporary credentials (undefined: not STS's). */
  accountOf(accessKeyId: string): string | undefined {
    return sessionAccounts.get(accessKeyId);
  }

  readonly commands = {
    AssumeRole: (input: { RoleArn?: string; RoleSessionName?: string; DurationSeconds?: number }) => {
      const { RoleArn: roleArn, RoleSessionName: sessionName } = input;
      if (!roleArn || !ROLE_ARN.test(roleArn))
        throw genericFault(
          'ValidationError',
          "1 validation error detected: Value at 'roleArn' failed to satisfy constraint",
        );
      if (!sessionName || !/^[\w+=,.@-]{2,64}$/.test(sessionName))
        throw genericFault(
          'ValidationError',
          "1 validation error detected: Value at 'roleSessionName' failed to satisfy constraint",
        );
      const duration = input.DurationSeconds ?? 3600;
      if (duration < 900 || duration > 43_200)
        throw genericFault(
          'ValidationError',
          'The requested DurationSeconds exceeds the allowed range (900-43200)',
        );
      if (!this.assumable.has(roleArn)) {
        throw genericFault(
          'AccessDenied',
          `User: arn:aws:sts::${this.accountId}:assumed-role/cachegate/local is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`,
          403,
        );
      }
      const accessKeyId = `ASIA${randomBytes(8).toString('hex').toUpperCase()}`;
      sessionAccounts.set(accessKeyId, roleAccount(roleArn));
      this.assumed.push({ roleArn, sessionName });
      const roleName = roleArn.split('/').pop() ?? '';
      return {
        Credentials: {
          AccessKeyId: accessKeyId,
          SecretAccessKey: randomBytes(20).toString('base64'),
          SessionToken: randomBytes(32).toString('base64'),
          Expiration: new Date(this.clock.nowMs() + duration * 1000),
        },
        AssumedRoleUser: {
          AssumedRoleId: `AROA${randomBytes(8).toString('hex').toUpperCase()}:${sessionName}`,
          Arn: `arn:aws:sts::${roleAccount(roleArn)}:assumed-role/${roleName}/${sessionName}`,
        },
      };
    },
  };
}

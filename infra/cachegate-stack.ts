import { ArnFormat, Stack, type StackProps } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import type { CachegateConfig } from './config.js';
import { AccessRequests } from './constructs/access-requests.js';
import { AuditTrail } from './constructs/audit-trail.js';

export interface CachegateStackProps extends StackProps {
  config: CachegateConfig;
}

/** The whole system in one stack: one construct per capability, configured by typed props. */
export class CachegateStack extends Stack {
  constructor(scope: Construct, id: string, props: CachegateStackProps) {
    super(scope, id, props);
    const { config } = props;
    const logRetention = retentionFor(config.logRetentionDays);
    const audit = new AuditTrail(this, 'AuditTrail');
    new AccessRequests(this, 'AccessRequests', {
      auditBus: audit.bus,
      logRetention,
      grantingStateMachineArns: {
        onboardUser: this.stateMachineArn('onboard-user'),
        issueCertificate: this.stateMachineArn('issue-certificate'),
      },
    });
  }

  /** Workflows are named `cachegate-<asl name>`, so their ARNs are known before they exist. */
  stateMachineArn(name: string): string {
    return this.formatArn({
      service: 'states',
      resource: 'stateMachine',
      resourceName: `cachegate-${name}`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
  }
}

function retentionFor(days: number): RetentionDays {
  const allowed = Object.values(RetentionDays)
    .filter((v): v is number => typeof v === 'number' && v > 0)
    .sort((a, b) => a - b);
  const match = allowed.find((v) => v >= days);
  if (match === undefined) throw new Error(`logRetentionDays ${days} is longer than CloudWatch Logs allows`);
  return match as RetentionDays;
}

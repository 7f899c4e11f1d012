import { roleAccount } from '../functions/core/crl-refresh/endpoint-locations.js';
import { ArnFormat, Stack, type StackProps } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import type { CachegateConfig } from './config.js';
import { AccessRequests } from './constructs/access-requests.js';
import { AuditTrail } from './constructs/audit-trail.js';
import { CertificateAuthority } from './constructs/certificate-authority.js';
import { CertificateExpiryNotices } from './constructs/certificate-expiry-notices.js';
import { OnboardingApi } from './constructs/onboarding-api.js';
import { CacheVpnAccess, importCacheNetwork } from './constructs/cache-vpn-access.js';
import { ClientVpnCrl } from './constructs/client-vpn-crl.js';
import { PostureSchedule } from './constructs/posture-schedule.js';
import { ServerCertificateRenewal } from './constructs/server-certificate-renewal.js';
import { Rbac } from './constructs/rbac.js';
import { Rotation, importRotationProbe } from './constructs/rotation.js';
import { WorkflowSchedules } from './constructs/schedules.js';

export interface CachegateStackProps extends StackProps {
  config: CachegateConfig;
}

/** The whole system in one stack: one construct per capability, configured by typed props. */
export class CachegateStack extends Stack {
  /** Client VPN access to the cache, when the config has `vpnAccess`; the CRL workflows target its endpoint. */
  readonly vpnAccess: CacheVpnAccess | undefined;

  constructor(scope: Construct, id: string, props: CachegateStackProps) {
    super(scope, id, props);
    const { config } = props;
    const logRetention = retentionFor(config.logRetentionDays);
    const audit = new AuditTrail(this, 'AuditTrail');
    const schedules = new WorkflowSchedules(this, 'Schedules', { logRetention });
    this.vpnAccess = config.vpnAccess
      ? new CacheVpnAccess(this, 'VpnAccess', {
          ...importCacheNetwork(this, config.vpnAccess),
          cachePort: config.vpnAccess.cachePort,
          clientCidr: config.vpnAccess.clientCidr,
          certificates: config.vpnAccess,
          logRetention,
        })
      : undefined;
    const accessRequests = new AccessRequests(this, 'AccessRequests', {
      auditBus: audit.bus,
      logRetention,
      grantingStateMachineArns: {
        onboardUser: this.stateMachineArn('onboard-user'),
        issueCertificate: this.stateMachineArn('issue-certificate'),
      },
      approvalTimeoutSeconds: config.approvals.timeoutSeconds,
      approvers: config.approvals.approvers,
    });
    const onboardingApi = config.api
      ? new OnboardingApi(this, 'OnboardingApi', {
          auth: config.api.auth,
          throttle: config.api.throttle,
          table: accessRequests.table,
          auditBus: audit.bus,
          logRetention,
          approvers: config.approvals.approvers,
          personalSessionRoles: config.approvals.personalSessionRoles,
          stateMachineArns: {
            accessRequest: accessRequests.workflow.stateMachine.stateMachineArn,
            offboardUser: this.stateMachineArn('offboard-user'),
            revokeCertificate: this.stateMachineArn('revoke-certificate'),
          },
          ...(config.slack ? { slack: config.slack } : {}),
          requestApprovalFunction: accessRequests.workflow.functions['request-approval']!,
        })
      : undefined;
    const certificateAuthority = new CertificateAuthority(this, 'CertificateAuthority', {
      auditBus: audit.bus,
      logRetention,
    });
    const clientVpnCrl = config.clientVpn
      ? new ClientVpnCrl(this, 'ClientVpnCrl', {
          auditBus: audit.bus,
          certificateAuthority: certificateAuthority.crlAuthority(),
          logRetention,
          settings: config.clientVpn,
          schedules,
          schedule: config.schedules.refreshCrl,
          endpoints: [
            ...config.clientVpn.endpointIds.map((endpointId) => ({
              endpointId,
              endpointArn: this.formatArn({
                service: 'ec2',
                resource: 'client-vpn-endpoint',
                resourceName: endpointId,
              }),
            })),
            ...config.clientVpn.endpoints.map(({ endpointId, region, roleArn }) => ({
              endpointId,
              endpointArn: this.formatArn({
                service: 'ec2',
                resource: 'client-vpn-endpoint',
                resourceName: endpointId,
                ...(region ? { region } : {}),
                ...(roleArn ? { account: roleAccount(roleArn) } : {}),
              }),
              ...(region ? { region } : {}),
              ...(roleArn ? { roleArn } : {}),
            })),
            ...(this.vpnAccess ? [this.vpnAccess.crlTarget()] : []),
          ],
        })
      : undefined;
    if (config.vpnAccess) {
      new ServerCertificateRenewal(this, 'ServerCertificateRenewal', {
        auditBus: audit.bus,
        certificateAuthority: certificateAuthority.crlAuthority(),
        certificateArn: config.vpnAccess.serverCertificateArn,
        settings: config.serverCertificateRenewal,
        logRetention,
        schedules,
        schedule: config.schedules.renewServerCertificate,
      });
    }
    new CertificateExpiryNotices(this, 'CertificateExpiryNotices', {
      auditBus: audit.bus,
      logRetention,
      expression: config.clientCertificateNotices.expression,
      noticeDays: config.clientCertificateNotices.days,
      certificatesTable: certificateAuthority.table,
      // Slack messages go out through the onboarding API's Slack app (its secret).
      ...(config.slack && onboardingApi
        ? { slack: { channelId: config.slack.channelId, secret: onboardingApi.slackSecret } }
        : {}),
    });
    new PostureSchedule(this, 'Posture', {
      auditBus: audit.bus,
      logRetention,
      schedules,
      // An EventBridge rule expression (UTC) in the config, which Scheduler accepts as it is.
      schedule: { expression: config.posture.expression, timeZone: 'UTC' },
      cacheSubnetCidrs:
        config.posture.cacheSubnetCidrs ?? config.vpnAccess?.cacheSubnets.map((s) => s.cidr) ?? [],
      certificateAuthority: certificateAuthority.crlAuthority(),
      ...(clientVpnCrl ? { crlStore: clientVpnCrl.crlStore } : {}),
    });
    const probeConfig = config.rotation?.probe;
    const probe = probeConfig ? importRotationProbe(this, probeConfig, config.vpnAccess) : undefined;
    const rotation = new Rotation(this, 'Rotation', {
      auditBus: audit.bus,
      logRetention,
      schedules,
      schedule: config.schedules.rotateAll,
      services: config.rbac.services,
      ...(probe ? { probe } : {}),
      ...(config.rotation?.authTokens
        ? {
            authTokens: {
              replicationGroupIds: config.rotation.authTokens.replicationGroupIds,
              schedule: config.schedules.rotateAuthTokens,
            },
          }
        : {}),
    });
    new Rbac(this, 'Rbac', {
      auditBus: audit.bus,
      logRetention,
      services: config.rbac.services,
      userClaims: rotation.locks,
      // finish-migration lists `default` connections on the cache itself: in the VPC, with the probe.
      placeInCacheVpc: (fn) => rotation.placeInCacheVpc(fn),
      ...(probe && probeConfig?.cache ? { iamProbe: { ...probe, cache: probeConfig.cache } } : {}),
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

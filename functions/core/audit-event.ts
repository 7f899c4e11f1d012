/**
 * Audit events, schema version 1 (events/schemas/audit-event.v1.json): who did what, when, for
 * which request. Only identifiers travel here — never a password, key or task token.
 */
export type AuditAction =
  | 'AccessRequested'
  | 'ApprovalRequested'
  | 'ApprovalDecided'
  | 'AccessRequestClosed'
  | 'AccessRevocationRequested'
  | 'UserCreated'
  | 'UserDeleted'
  | 'DefaultUserHardened'
  | 'MigratedToRbac'
  | 'DefaultUserStillInUse'
  | 'DefaultUserLocked'
  | 'PasswordRotated'
  | 'PasswordRotationCompleted'
  | 'AuthTokenPromoted'
  | 'AuthTokenRotated'
  | 'RolledBackToAuth'
  | 'CertificateIssued'
  | 'CertificateRevoked'
  | 'CrlImported'
  | 'ServerCertificateRenewed'
  | 'PostureAudited'
  | 'CertificateExpiryNotified';

export interface AuditEvent {
  schemaVersion: '1';
  action: AuditAction;
  actor: string;
  at: string;
  requestId?: string;
  subject: Record<string, string | number | boolean>;
}

export function auditEvent(
  action: AuditAction,
  actor: string,
  at: Date,
  subject: AuditEvent['subject'],
  requestId?: string,
): AuditEvent {
  return {
    schemaVersion: '1',
    action,
    actor,
    at: at.toISOString(),
    subject,
    ...(requestId ? { requestId } : {}),
  };
}

import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import type { AuditEvent } from '../core/audit-event.js';
import { createAwsClient } from './clients.js';

let eventBridge: EventBridgeClient | undefined;

/** Publishes one audit event (schema: events/schemas/audit-event.v1.json) on the audit bus. */
export async function publishAuditEvent(event: AuditEvent): Promise<void> {
  eventBridge ??= createAwsClient(EventBridgeClient, {});
  const { FailedEntryCount, Entries } = await eventBridge.send(
    new PutEventsCommand({
      Entries: [
        {
          Source: 'cachegate',
          DetailType: event.action,
          Detail: JSON.stringify(event),
          EventBusName: process.env.AUDIT_EVENT_BUS ?? 'default',
        },
      ],
    }),
  );
  if (FailedEntryCount)
    throw new Error(`audit event ${event.action} was not accepted: ${Entries?.[0]?.ErrorCode ?? 'unknown'}`);
}

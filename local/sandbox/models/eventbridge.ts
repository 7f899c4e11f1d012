import { randomUUID } from 'node:crypto';
import { appendFileSync } from 'node:fs';
import type { SandboxClock } from '../clock.js';
import type { ServiceModel } from '../sandbox.js';

export interface RecordedEvent {
  id: string;
  time: string;
  source: string;
  detailType: string;
  eventBusName: string;
  detail: unknown;
}

/**
 * EventBridge `PutEvents`: events are kept in memory for tests and, when `auditFile` is set,
 * appended to a JSON-lines file (the local audit trail).
 */
export class EventBridgeModel implements ServiceModel {
  readonly serviceId = 'EventBridge';
  readonly events: RecordedEvent[] = [];

  constructor(
    private readonly clock: SandboxClock,
    private readonly auditFile?: string,
  ) {}

  readonly commands = {
    PutEvents: (input: {
      Entries: {
        Source?: string;
        DetailType?: string;
        Detail?: string;
        EventBusName?: string;
        Time?: Date;
      }[];
    }) => {
      if (input.Entries.length === 0 || input.Entries.length > 10) {
        throw Object.assign(new Error('PutEvents takes 1 to 10 entries'), { name: 'ValidationException' });
      }
      const results = input.Entries.map((entry) => {
        if (!entry.Source || !entry.DetailType || !entry.Detail) {
          return { ErrorCode: 'InvalidArgument', ErrorMessage: 'Source, DetailType and Detail are required' };
        }
        const event: RecordedEvent = {
          id: randomUUID(),
          time: (entry.Time ?? this.clock.now()).toISOString(),
          source: entry.Source,
          detailType: entry.DetailType,
          eventBusName: entry.EventBusName ?? 'default',
          detail: JSON.parse(entry.Detail),
        };
        this.events.push(event);
        if (this.auditFile) appendFileSync(this.auditFile, `${JSON.stringify(event)}\n`);
        return { EventId: event.id };
      });
      return { FailedEntryCount: results.filter((r) => 'ErrorCode' in r).length, Entries: results };
    },
  };
}

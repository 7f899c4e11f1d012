import { Duration } from 'aws-cdk-lib';
import { EventBus } from 'aws-cdk-lib/aws-events';
import { Construct } from 'constructs';

/**
 * The audit trail: a dedicated EventBridge bus every change is published to (schema
 * events/schemas/audit-event.v1.json), archived for a year so any period can be replayed.
 */
export class AuditTrail extends Construct {
  readonly bus: EventBus;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.bus = new EventBus(this, 'Bus', { eventBusName: 'cachegate-audit' });
    this.bus.archive('Archive', {
      archiveName: 'cachegate-audit',
      eventPattern: { source: ['cachegate'] },
      retention: Duration.days(365),
    });
  }
}

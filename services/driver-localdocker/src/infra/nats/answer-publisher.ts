import { Subjects, type DriverEvent } from '@hearth/contracts';
import { injectTraceContext } from '@hearth/platform/telemetry';
import type { JetStreamClient } from '@nats-io/jetstream';
import { headers } from '@nats-io/transport-node';
import type { AnswerPublisher } from '../../app/ports.js';

/**
 * Publishes the driver's answers to DRIVER_EVENTS with `Nats-Msg-Id` = event id; the ids are derived
 * from the command, so an answer published twice is stored once.
 */
export class JetStreamAnswers implements AnswerPublisher {
  constructor(private readonly js: JetStreamClient) {}

  async publish(event: DriverEvent): Promise<void> {
    const h = headers();
    injectTraceContext(h);
    await this.js.publish(Subjects.driverEvent('localdocker', event.type), JSON.stringify(event), {
      msgID: event.id,
      headers: h,
    });
  }
}

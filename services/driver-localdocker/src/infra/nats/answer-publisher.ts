import { Subjects, type BusSigner, type DriverEvent } from '@hearth/contracts';
import { injectTraceContext } from '@hearth/platform/telemetry';
import type { JetStreamClient } from '@nats-io/jetstream';
import { headers } from '@nats-io/transport-node';
import type { AnswerPublisher } from '../../app/ports.js';

/**
 * Publishes the driver's answers to DRIVER_EVENTS with `Nats-Msg-Id` = event id, signed with the
 * driver's key (it has no outbox: it publishes directly); the ids are derived from the command, so an
 * answer published twice is stored once.
 */
export class JetStreamAnswers implements AnswerPublisher {
  constructor(
    private readonly js: JetStreamClient,
    private readonly signer: BusSigner,
  ) {}

  async publish(event: DriverEvent): Promise<void> {
    const subject = Subjects.driverEvent('localdocker', event.type);
    const text = JSON.stringify(event);
    const h = headers();
    injectTraceContext(h);
    for (const [key, value] of Object.entries(this.signer.signMessage(subject, event.id, JSON.parse(text), h))) {
      h.set(key, value);
    }
    await this.js.publish(subject, text, {
      msgID: event.id,
      headers: h,
    });
  }
}

import { ParkedMessage, parkedSubject, ParkedStream } from '@hearth/contracts';
import { jetstreamManager } from '@hearth/platform/nats';
import { connectAsOperator } from './nats-session.js';

/**
 * What the driver parked: it has no database, so it keeps its parked commands on the PARKED stream
 * (`parked.driver-localdocker`); newest first, like the console's and hatch's listings.
 */
export async function driverParked(): Promise<ParkedMessage[]> {
  const nc = await connectAsOperator();
  try {
    const jsm = await jetstreamManager(nc);
    const subject = parkedSubject('driver-localdocker');
    const held = await jsm.streams
      .info(ParkedStream.name, { subjects_filter: subject })
      .then((info) => info.state.subjects?.[subject] ?? 0)
      .catch(() => 0); // no PARKED stream: the driver never started, so it parked nothing
    if (held === 0) return [];
    // One subject as a string: filter_subject, which servers before 2.10 (Debian 12's) understand.
    const consumer = await jsm.jetstream().consumers.get(ParkedStream.name, { filter_subjects: subject });
    const items: ParkedMessage[] = [];
    for await (const msg of await consumer.fetch({ max_messages: held, expires: 5_000 })) {
      const parsed = ParkedMessage.safeParse(msg.json());
      if (parsed.success) items.push(parsed.data);
      if (msg.info.pending === 0) break;
    }
    return items.reverse();
  } finally {
    await nc.close();
  }
}

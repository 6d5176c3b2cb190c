import { DriverEvent, HatchStream, Streams, Subjects, type BusSigner } from '@hearth/contracts';
import type { JetStreamClient, JetStreamManager, PubAck } from '@nats-io/jetstream';
import { headers as natsHeaders } from '@nats-io/transport-node';
import { randomUUID } from 'node:crypto';
import { sharedServiceKeys } from './service-keys.js';
import { until } from './until.js';

/**
 * Publishes `body` (as JSON) to JetStream as `signer`'s service publishes: Nats-Msg-Id = `msgID`,
 * signed over the subject, the id, `headers` and the body. Without a msgID it is signed over an
 * empty id, which no consumer accepts: how a test sends a message that cannot pass.
 */
export function publishSigned(
  js: JetStreamClient,
  signer: BusSigner,
  subject: string,
  body: unknown,
  options: { msgID?: string; headers?: Record<string, string> } = {},
): Promise<PubAck> {
  const h = natsHeaders();
  for (const [key, value] of Object.entries(options.headers ?? {})) h.set(key, value);
  for (const [key, value] of Object.entries(signer.signMessage(subject, options.msgID ?? '', body, h)))
    h.set(key, value);
  return js.publish(subject, JSON.stringify(body), { headers: h, ...(options.msgID ? { msgID: options.msgID } : {}) });
}

/**
 * The HATCH stream unless it exists, for a test that runs the vault without hatch: hatch alone makes
 * it (the vault only waits for it and publishes into it), so the test stands in for hatch. A hatch
 * started later brings it to its own spec.
 */
export async function createHatchStream(jsm: JetStreamManager): Promise<void> {
  // Two made at once (a vault and a console started together) may be told the subjects overlap.
  await jsm.streams.add({ ...HatchStream, subjects: [...HatchStream.subjects] }).catch((error: unknown) => {
    if (!/already in use|subjects overlap/.test(String(error))) throw error;
  });
  // And it is HATCH that is there, not another stream on hatch.> (on a cluster, a stream just made is
  // known to every node a moment later).
  await until(
    () =>
      jsm.streams.info(HatchStream.name).then(
        () => true,
        () => false,
      ),
    {
      timeoutMs: 15_000,
      what: 'the HATCH stream',
    },
  );
}

/** The driver streams, for a test that runs the driver without the console, whose streams they are. */
export async function createDriverStreams(jsm: JetStreamManager): Promise<void> {
  for (const stream of [Streams.driverCommands, Streams.driverEvents])
    await jsm.streams.add({ ...stream, subjects: [...stream.subjects] });
}

/** One message as a stream stores it. */
export interface StoredMessage {
  stream: string;
  seq: number;
  subject: string;
  headers: Record<string, string>;
  data: Uint8Array;
}

/** Every message of `only` (of every stream when none is named), oldest first. */
export async function streamMessages(jsm: JetStreamManager, only?: string): Promise<StoredMessage[]> {
  const out: StoredMessage[] = [];
  // A cluster's listing, paged while a node is down, can name a stream twice: each is read once.
  const seen = new Set<string>();
  for await (const stream of jsm.streams.list()) {
    if (only !== undefined && stream.config.name !== only) continue;
    if (stream.state.messages === 0 || seen.has(stream.config.name)) continue;
    seen.add(stream.config.name);
    for (let seq = stream.state.first_seq; seq <= stream.state.last_seq; seq++) {
      const message = await jsm.streams.getMessage(stream.config.name, { seq }).catch(() => null);
      if (!message) continue;
      const headers: Record<string, string> = {};
      for (const key of message.header?.keys() ?? []) headers[key] = message.header.get(key);
      out.push({ stream: stream.config.name, seq, subject: message.subject, headers, data: message.data });
    }
  }
  return out;
}

/** Every message of every stream as text (subject, headers, body as latin1): for grepping for a canary. */
export async function jetStreamText(jsm: JetStreamManager): Promise<string> {
  return (await streamMessages(jsm))
    .map((m) =>
      [
        m.subject,
        ...Object.entries(m.headers).map(([k, v]) => `${k}: ${v}`),
        Buffer.from(m.data).toString('latin1'),
      ].join('\n'),
    )
    .join('\n');
}

/**
 * Publishes a driver's answer to DRIVER_EVENTS as driver-localdocker would (envelope, subject,
 * Nats-Msg-Id = event id, signed with `signer`, the shared driver key by default), for tests that
 * play the driver's part against a real console.
 */
export async function publishDriverEvent(
  jsm: JetStreamManager,
  type: DriverEvent['type'],
  data: { slug: string; command_id: string; endpoint?: string; reason?: string },
  signer: BusSigner = sharedServiceKeys().signer('driver-localdocker'),
): Promise<DriverEvent> {
  const id = randomUUID();
  const event = DriverEvent.parse({
    type,
    data,
    id,
    stream: `driver-${data.slug}`,
    version: 1,
    metadata: {
      actor: 'driver:localdocker',
      correlation_id: id,
      causation_id: data.command_id,
      trace_id: null,
      occurred_at: new Date().toISOString(),
    },
  });
  await publishSigned(jsm.jetstream(), signer, Subjects.driverEvent('localdocker', type), event, { msgID: id });
  return event;
}

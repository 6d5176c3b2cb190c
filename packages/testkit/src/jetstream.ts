import type { JetStreamManager } from '@nats-io/jetstream';

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
  for await (const stream of jsm.streams.list()) {
    if (only !== undefined && stream.config.name !== only) continue;
    if (stream.state.messages === 0) continue;
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

import type { ConsumeMessages } from '@nats-io/jetstream';

/**
 * How every Hearth consumer pulls (durable or ordered): `batch` messages at a time, each pull living
 * 3 s, with a server heartbeat every second while it waits. nats.js's defaults (30 s and 15 s) left a
 * consumer idle for up to 45 s after NATS came back: it notices a pull the server lost only after two
 * missed heartbeats (an ordered consumer it recreated after a restart pulls one message, then waits
 * for that), and when its first check after a reconnect fails (JetStream not up yet) it waits one
 * pull's life, with jitter, before the next. With these, a lost pull is noticed in about 2 s and a
 * failed check is tried again within 1.5–4.5 s, so a consumer reads again well within 10 s of NATS
 * answering. The cost is an empty pull per consumer every 3 s and a heartbeat a second.
 */
export function pullOptions(batch: number): ConsumeMessages {
  return { max_messages: batch, expires: 3_000, idle_heartbeat: 1_000 };
}

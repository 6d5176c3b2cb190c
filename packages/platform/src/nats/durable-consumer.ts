import { AckPolicy, DeliverPolicy, type JetStreamClient, type JetStreamManager, type JsMsg } from '@nats-io/jetstream';
import { pullOptions } from './pull.js';

export interface DurableConsumerSpec {
  stream: string;
  durable: string;
  filterSubjects?: string[] | undefined;
  /** How long the server waits for an ack before it delivers a message again. */
  ackWaitMs: number;
  /** Messages delivered and not yet acked, at most (1: one at a time, in order). */
  maxAckPending?: number | undefined;
  /** Deliveries of one message, at most: the consumer parks it on the last one. */
  maxDeliver?: number;
  /** How many messages a pull asks for at once. */
  batch: number;
}

export interface RunningConsumer {
  /** Stops pulling and waits for the message in hand to be finished. */
  stop(): Promise<void>;
}

/**
 * A durable, explicitly acked pull consumer from the start of `stream`, made if missing (its ack wait
 * and pending limit brought to `spec` if it exists), whose messages go to `each` one after another
 * until `stop()`. Acking is `each`'s business.
 */
export async function consumeDurable(
  js: JetStreamClient,
  jsm: JetStreamManager,
  spec: DurableConsumerSpec,
  each: (msg: JsMsg) => Promise<void>,
): Promise<RunningConsumer> {
  const limits = {
    ack_wait: spec.ackWaitMs * 1_000_000,
    ...(spec.maxAckPending === undefined ? {} : { max_ack_pending: spec.maxAckPending }),
    ...(spec.maxDeliver === undefined ? {} : { max_deliver: spec.maxDeliver }),
  };
  await jsm.consumers
    .add(spec.stream, {
      durable_name: spec.durable,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      ...limits,
      ...filterOf(spec.filterSubjects),
    })
    .catch(async (error: unknown) => {
      if (!/already in use|exists/.test(String(error))) throw error;
      await jsm.consumers.update(spec.stream, spec.durable, limits);
    });
  const consumer = await js.consumers.get(spec.stream, spec.durable);
  const messages = await consumer.consume(pullOptions(spec.batch));
  let stopped = false;
  const loop = (async () => {
    for await (const msg of messages) {
      if (stopped) break;
      await each(msg);
    }
  })();
  return {
    stop: async () => {
      stopped = true;
      messages.stop();
      await loop;
    },
  };
}

/** One subject as `filter_subject`, which servers before 2.10 (Debian 12's) understand; more as `filter_subjects`. */
function filterOf(subjects: string[] | undefined) {
  if (!subjects?.length) return {};
  return subjects.length === 1 ? { filter_subject: subjects[0] } : { filter_subjects: subjects };
}

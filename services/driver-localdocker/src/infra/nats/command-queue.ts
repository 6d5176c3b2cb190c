import {
  DriverCommand,
  HearthError,
  isMessageId,
  parkedExcerpt,
  parseRequest,
  Streams,
  Subjects,
  type BusVerifier,
  type ParkReason,
} from '@hearth/contracts';
import { type Logger } from '@hearth/platform/logging';
import { consumeDurable, MAX_DELIVER, type RunningConsumer } from '@hearth/platform/nats';
import type { ParkingLot } from '@hearth/platform/ports';
import { countParked, extractTraceContext, inSpan, SpanKind } from '@hearth/platform/telemetry';
import type { JetStreamClient, JetStreamManager, JsMsg } from '@nats-io/jetstream';
import type { CommandQueue } from '../../app/ports.js';

type Handle = Parameters<CommandQueue['start']>[0];

export interface CommandQueueOptions {
  /** The engine whose commands it takes (DRIVER_INSTANCE): the consumer's filter and name. */
  engine: string;
  /** How long the server waits for an ack before delivering a command again; extended while work goes on. */
  ackWaitMs: number;
}

/**
 * Takes the commands for this driver's engine off the DRIVER_COMMANDS work queue, one at a time. A command is acked
 * only once its answer is published, so a driver that dies mid-way gets it again (the work is
 * idempotent by command id); while it works, the ack deadline is pushed back. A failure to reach the
 * console, the vault or NATS is retried with backoff. A message that the console did not sign, that is
 * no valid command (every field within its bound, so its answer fits a NATS message), is refused for
 * good, or fails on its last delivery is terminated and parked: no command stalls the queue.
 */
export class JetStreamCommandQueue implements CommandQueue {
  private running: RunningConsumer | null = null;

  constructor(
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    private readonly logger: Logger,
    private readonly parking: ParkingLot,
    private readonly verifier: BusVerifier,
    private readonly options: CommandQueueOptions,
  ) {}

  /** One durable consumer per engine: a work queue hands each command to the one consumer whose filter it matches. */
  private get durable(): string {
    return `driver-localdocker-${this.options.engine}`;
  }

  async start(handle: Handle): Promise<void> {
    this.running = await consumeDurable(
      this.js,
      this.jsm,
      {
        stream: Streams.driverCommands.name,
        durable: this.durable,
        filterSubjects: [Subjects.engineCommands('localdocker', this.options.engine)],
        ackWaitMs: this.options.ackWaitMs,
        maxAckPending: 1,
        maxDeliver: MAX_DELIVER,
        batch: 1,
      },
      (msg) => this.process(msg, handle),
    ).catch((error: unknown) => {
      // A work queue takes no second consumer whose filter overlaps: the one-engine driver's, left by an upgrade.
      if (!/not unique/.test(String(error))) throw error;
      throw new Error(
        `another consumer of ${Streams.driverCommands.name} takes this engine's commands (the one-engine ` +
          'driver-localdocker, filtered to cmd.localdocker.>?): once it has no command pending, remove it ' +
          `(nats consumer rm ${Streams.driverCommands.name} driver-localdocker, as admin) and start again`,
        { cause: error },
      );
    });
  }

  async stop(): Promise<void> {
    await this.running?.stop();
  }

  private async process(msg: JsMsg, handle: Handle): Promise<void> {
    const sent = msg.headers?.get('Nats-Msg-Id');
    if (sent && !isMessageId(sent))
      return this.park(msg, null, 'invalid', 'Nats-Msg-Id is no id (too long, or a control character)');
    let body: unknown;
    let command: DriverCommand;
    try {
      body = msg.json();
    } catch {
      return this.park(msg, null, 'invalid', 'not JSON');
    }
    try {
      this.verifier.verifyMessage(
        { subject: msg.subject, messageId: sent ?? '', body, headers: msg.headers },
        'console',
      );
    } catch (error) {
      return this.park(
        msg,
        body,
        'refused',
        error instanceof HearthError ? `${error.code}: ${error.message}` : String(error),
      );
    }
    try {
      command = parseRequest(DriverCommand, body);
    } catch (error) {
      const detail = error instanceof HearthError ? `${error.code}: ${error.message}` : 'not a driver command';
      return this.park(msg, body, 'invalid', detail);
    }
    const keepAlive = setInterval(() => msg.working(), Math.max(1_000, this.options.ackWaitMs / 3));
    try {
      await inSpan(`consume ${msg.subject}`, extractTraceContext(msg.headers), SpanKind.CONSUMER, (span) =>
        handle(command, span.spanContext().traceId),
      );
      await msg.ackAck();
    } catch (error) {
      if (error instanceof HearthError && error.kind !== 'unavailable' && error.kind !== 'internal') {
        return this.park(msg, body, 'refused', `${error.code}: ${error.message}`);
      }
      if (msg.info.deliveryCount >= MAX_DELIVER) return this.park(msg, body, 'delivery_limit', String(error));
      this.logger.warn(
        { err: error, command_id: command.id, type: command.type, slug: command.data.slug },
        'command failed; delivering it again',
      );
      msg.nak(Math.min(500 * msg.info.deliveryCount, 15_000));
    } finally {
      clearInterval(keepAlive);
    }
  }

  /** Terminates `msg` once it is parked; were the PARKED stream out of reach, it is delivered again instead. */
  private async park(msg: JsMsg, body: unknown, reason: ParkReason, detail: string): Promise<void> {
    try {
      await this.parking.park({
        consumer: this.durable,
        subject: msg.subject,
        message_id: msg.headers?.get('Nats-Msg-Id') || `${msg.info.stream}:${msg.seq}`,
        stream_seq: msg.seq,
        reason,
        detail,
        excerpt: body === null ? null : parkedExcerpt(body),
      });
    } catch (error) {
      this.logger.warn({ err: error, subject: msg.subject, seq: msg.seq }, 'could not park a command; redelivering');
      msg.nak(Math.min(500 * msg.info.deliveryCount, 15_000));
      return;
    }
    countParked(this.durable, reason);
    this.logger.error({ subject: msg.subject, seq: msg.seq, reason, detail }, 'command parked; terminated');
    msg.term(); // no reason: nats-server 2.9 (Debian 12's) ignores a +TERM that carries one
  }
}

import { DriverCommand, HearthError, Streams, Subjects, type BusVerifier } from '@hearth/contracts';
import { type Logger } from '@hearth/platform/logging';
import { consumeDurable, type RunningConsumer } from '@hearth/platform/nats';
import { extractTraceContext, inSpan, SpanKind } from '@hearth/platform/telemetry';
import type { JetStreamClient, JetStreamManager, JsMsg } from '@nats-io/jetstream';
import type { CommandQueue } from '../../app/ports.js';

type Handle = Parameters<CommandQueue['start']>[0];

export interface CommandQueueOptions {
  durable: string;
  /** How long the server waits for an ack before delivering a command again; extended while work goes on. */
  ackWaitMs: number;
}

/**
 * Takes LocalDocker's commands off the DRIVER_COMMANDS work queue, one at a time. A command is acked
 * only once its answer is published, so a driver that dies mid-way gets it again (the work is
 * idempotent by command id); while it works, the ack deadline is pushed back. A message that is no
 * command, or that the console did not sign, is terminated; a failure to reach the console, the vault or NATS is retried with backoff.
 */
export class JetStreamCommandQueue implements CommandQueue {
  private running: RunningConsumer | null = null;

  constructor(
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    private readonly logger: Logger,
    private readonly verifier: BusVerifier,
    private readonly options: CommandQueueOptions,
  ) {}

  async start(handle: Handle): Promise<void> {
    this.running = await consumeDurable(
      this.js,
      this.jsm,
      {
        stream: Streams.driverCommands.name,
        durable: this.options.durable,
        filterSubjects: [Subjects.driverCommand('localdocker', '>')],
        ackWaitMs: this.options.ackWaitMs,
        maxAckPending: 1,
        batch: 1,
      },
      (msg) => this.process(msg, handle),
    );
  }

  async stop(): Promise<void> {
    await this.running?.stop();
  }

  private async process(msg: JsMsg, handle: Handle): Promise<void> {
    let command: DriverCommand;
    try {
      const body: unknown = msg.json();
      const messageId = msg.headers?.get('Nats-Msg-Id') ?? '';
      this.verifier.verifyMessage({ subject: msg.subject, messageId, body, headers: msg.headers }, 'console');
      command = DriverCommand.parse(body);
    } catch (error) {
      const refusal = error instanceof HearthError ? error.code : 'not a driver command';
      this.logger.error({ err: error, subject: msg.subject, seq: msg.seq, refusal }, 'command refused; terminated');
      msg.term(); // no reason: nats-server 2.9 (Debian 12's) ignores a +TERM that carries one
      return;
    }
    const keepAlive = setInterval(() => msg.working(), Math.max(1_000, this.options.ackWaitMs / 3));
    try {
      await inSpan(`consume ${msg.subject}`, extractTraceContext(msg.headers), SpanKind.CONSUMER, (span) =>
        handle(command, span.spanContext().traceId),
      );
      await msg.ackAck();
    } catch (error) {
      this.logger.warn(
        { err: error, command_id: command.id, type: command.type, slug: command.data.slug },
        'command failed; delivering it again',
      );
      msg.nak(Math.min(500 * msg.info.deliveryCount, 15_000));
    } finally {
      clearInterval(keepAlive);
    }
  }
}

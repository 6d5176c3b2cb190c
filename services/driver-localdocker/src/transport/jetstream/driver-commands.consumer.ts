import { DriverCommand, Streams, Subjects } from '@hearth/contracts';
import { extractTraceContext, inSpan, SpanKind, type Logger } from '@hearth/platform';
import { AckPolicy, DeliverPolicy, type JetStreamClient, type JetStreamManager, type JsMsg } from '@nats-io/jetstream';
import type { DriverCommands } from '../../app/driver-commands.js';

export interface CommandsConsumerOptions {
  durable: string;
  /** How long the server waits for an ack before delivering a command again; extended while work goes on. */
  ackWaitMs: number;
}

/**
 * Takes LocalDocker's commands off the DRIVER_COMMANDS work queue, one at a time. A command is acked
 * only once its answer is published, so a driver that dies mid-way gets it again (the work is
 * idempotent by command id); while it works, the ack deadline is pushed back. A message that is no
 * command is terminated; a failure to reach the console, the vault or NATS is retried with backoff.
 */
export class DriverCommandsConsumer {
  private messages: { stop(): void } | null = null;
  private loop: Promise<void> | null = null;
  private stopped = false;

  constructor(
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    private readonly logger: Logger,
    private readonly commands: Pick<DriverCommands, 'handle'>,
    private readonly options: CommandsConsumerOptions,
  ) {}

  async start(): Promise<void> {
    const config = {
      durable_name: this.options.durable,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      ack_wait: this.options.ackWaitMs * 1_000_000,
      max_ack_pending: 1,
      filter_subject: Subjects.driverCommand('localdocker', '>'),
    };
    await this.jsm.consumers.add(Streams.driverCommands.name, config).catch(async (error: unknown) => {
      if (!/already in use|exists/.test(String(error))) throw error;
      await this.jsm.consumers.update(Streams.driverCommands.name, this.options.durable, {
        ack_wait: config.ack_wait,
        max_ack_pending: config.max_ack_pending,
      });
    });
    const consumer = await this.js.consumers.get(Streams.driverCommands.name, this.options.durable);
    const messages = await consumer.consume({ max_messages: 1 });
    this.messages = messages;
    this.loop = (async () => {
      for await (const msg of messages) {
        if (this.stopped) break;
        await this.process(msg);
      }
    })();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.messages?.stop();
    await this.loop;
  }

  private async process(msg: JsMsg): Promise<void> {
    let command: DriverCommand;
    try {
      command = DriverCommand.parse(msg.json());
    } catch (error) {
      this.logger.error({ err: error, subject: msg.subject, seq: msg.seq }, 'not a driver command; terminated');
      msg.term('not a driver command');
      return;
    }
    const keepAlive = setInterval(() => msg.working(), Math.max(1_000, this.options.ackWaitMs / 3));
    try {
      await inSpan(`consume ${msg.subject}`, extractTraceContext(msg.headers), SpanKind.CONSUMER, (span) =>
        this.commands.handle(command, span.spanContext().traceId),
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

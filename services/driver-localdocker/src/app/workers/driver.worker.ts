import type { Logger } from '@hearth/platform/logging';
import type { DriverCommands } from '../driver-commands.js';
import type { CommandQueue } from '../ports.js';

/**
 * The driver's long-running work: a reconcile pass on start and then every `reconcileMs` (0: on
 * start only), and the commands off its queue; DriverCommands runs them one at a time.
 */
export class DriverWorker {
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly queue: CommandQueue,
    private readonly commands: Pick<DriverCommands, 'handle' | 'reconcileNow'>,
    private readonly logger: Logger,
    private readonly reconcileMs: number,
  ) {}

  async start(): Promise<void> {
    await this.reconcile();
    await this.queue.start((command, traceId) => this.commands.handle(command, traceId));
    if (this.reconcileMs > 0) this.timer = setInterval(() => void this.reconcile(), this.reconcileMs);
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.queue.stop();
  }

  private async reconcile(): Promise<void> {
    try {
      const report = await this.commands.reconcileNow();
      const changed = report.removed.length + report.restarted.length + report.held.length > 0;
      this.logger[changed ? 'info' : 'debug'](report, 'reconciled');
    } catch (error) {
      this.logger.warn({ err: error }, 'reconcile pass failed');
    }
  }
}

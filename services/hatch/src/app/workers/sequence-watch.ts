import type { Logger } from '@hearth/platform/logging';
import type { WatchSequences } from '../watch-sequences/watch-sequences.js';

/** Checks every source's numbering at each checkpoint interval, one check at a time. */
export class SequenceWatch {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<unknown> = Promise.resolve();
  private busy = false;

  constructor(
    private readonly watchSequences: Pick<WatchSequences, 'run'>,
    private readonly logger: Logger,
    private readonly intervalMs: number,
  ) {}

  start(): void {
    this.timer = setInterval(() => {
      if (this.busy) return;
      this.busy = true;
      this.running = this.watchSequences
        .run()
        .catch((error: unknown) => this.logger.warn({ err: error }, 'sequence watch failed; next interval retries'))
        .finally(() => (this.busy = false));
    }, this.intervalMs);
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }
}

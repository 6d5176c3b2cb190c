import type { Logger } from '@hearth/platform/logging';
import type { SignCheckpoint } from '../sign-checkpoint/sign-checkpoint.js';

/** Signs the head of a quiet log every `intervalMs`, so records never wait long for a signature. */
export class CheckpointTimer {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly signCheckpoint: Pick<SignCheckpoint, 'run'>,
    private readonly logger: Logger,
    private readonly intervalMs: number,
  ) {}

  start(): void {
    this.timer = setInterval(() => {
      this.running = this.signCheckpoint
        .run()
        .catch((error: unknown) => this.logger.warn({ err: error }, 'checkpoint failed; next interval retries'));
    }, this.intervalMs);
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }
}

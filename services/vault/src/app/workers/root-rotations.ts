import type { RotateRoot } from '../engines/rotate-root.js';
import type { FailureLog } from '../ports.js';

/**
 * Every `everyMs`: rotates the root credential of each engine whose schedule (`rotation_days`) says
 * so, and settles rotations left in flight — by a vault killed mid-rotation, or whose database was
 * down when this one started. Failures are logged per engine by RotateRoot; the next round tries again.
 */
export class RootRotations {
  private timer: NodeJS.Timeout | null = null;
  private round: Promise<void> | null = null;

  constructor(
    private readonly rotateRoot: Pick<RotateRoot, 'rotateDue' | 'recover'>,
    private readonly log: FailureLog,
    private readonly everyMs: number,
  ) {}

  start(): void {
    this.timer ??= setInterval(() => void this.run(), this.everyMs);
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.round;
  }

  private async run(): Promise<void> {
    if (this.round) return;
    this.round = (async () => {
      try {
        await this.rotateRoot.recover();
        await this.rotateRoot.rotateDue();
      } catch (error) {
        this.log.error({ err: error }, 'the root rotation round failed; it runs again at the next interval');
      }
    })().finally(() => (this.round = null));
    await this.round;
  }
}

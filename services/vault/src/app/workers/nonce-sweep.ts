import { FRESHNESS_MS } from '../admission/caller-identity.js';
import type { FailureLog, Nonces } from '../ports.js';

/**
 * Forgets request nonces twice as old as the freshness window, every `everyMs`: a request that old is
 * refused as stale before its nonce is looked at. A failed sweep is logged and tried again next time.
 */
export class NonceSweep {
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly nonces: Pick<Nonces, 'sweep'>,
    private readonly log: FailureLog,
    private readonly everyMs = 10_000,
  ) {}

  start(): void {
    this.timer ??= setInterval(() => void this.sweep(), this.everyMs);
  }

  stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    return Promise.resolve();
  }

  private async sweep(): Promise<void> {
    try {
      await this.nonces.sweep((2 * FRESHNESS_MS) / 1000);
    } catch (error) {
      this.log.error({ err: error }, 'the nonce sweep failed; nonces are kept until the next one');
    }
  }
}

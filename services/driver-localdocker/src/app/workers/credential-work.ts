import type { Logger } from '@hearth/platform/logging';
import type { CredentialWorkRunner } from '../credential-work/credential-work.js';
import type { Serial } from '../workspace-resources.js';

/**
 * Polls the vault for the driver's credential work (rotations, checks) every `intervalMs`, one pass
 * at a time and never beside a command: a provisioning may be replacing the very sidecar. A pass
 * that fails is logged and the next one tries again; the vault hands unreported work out again.
 */
export class CredentialWorkWorker {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;

  constructor(
    private readonly runner: Pick<CredentialWorkRunner, 'runOnce'>,
    private readonly serial: Serial,
    private readonly logger: Logger,
    private readonly intervalMs: number,
  ) {}

  start(): void {
    if (this.intervalMs <= 0) return;
    this.timer = setInterval(() => {
      this.running ??= this.pass().finally(() => (this.running = null));
    }, this.intervalMs);
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }

  private async pass(): Promise<void> {
    try {
      const done = await this.serial.run(() => this.runner.runOnce());
      if (done > 0) this.logger.info({ items: done }, 'credential work pass');
    } catch (error) {
      this.logger.warn({ err: error }, 'credential work pass failed');
    }
  }
}

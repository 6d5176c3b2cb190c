import { HearthError } from '@hearth/contracts';
import type { Clock, UnitOfWork } from '@hearth/platform/ports';
import type { RotateCredential } from '../credentials/rotate-credential.js';
import type { CredentialWorkStore, FailureLog } from '../ports.js';

/** Rotations started per round at most; the next round takes the rest. */
const ROUND_LIMIT = 100;

/** The actor of scheduled rotations. */
const SCHEDULE_ACTOR = 'vault';

/**
 * At start and every `everyMs`: requests the rotation of each AUTO_MANAGED credential whose
 * next_rotation_at passed and that has none pending, moving its next time a period on. The credentials
 * are locked SKIP LOCKED in the round's transaction, so two vault processes never start the same one. What is in flight is not this
 * worker's: its work row is handed out again by the claim timeout alone.
 */
export class CredentialRotations {
  private timer: NodeJS.Timeout | null = null;
  private round: Promise<number> | null = null;

  constructor(
    private readonly unitOfWork: UnitOfWork,
    private readonly work: Pick<CredentialWorkStore, 'claimDue'>,
    private readonly rotate: Pick<RotateCredential, 'requestScheduled'>,
    private readonly clock: Clock,
    private readonly log: FailureLog,
    private readonly everyMs: number,
  ) {}

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.run(), this.everyMs);
    void this.run();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.round;
  }

  /** One round: how many rotations it requested. */
  run(): Promise<number> {
    this.round ??= this.unitOfWork
      .run(async (tx) => {
        let started = 0;
        for (const path of await this.work.claimDue(tx, this.clock.now(), ROUND_LIMIT)) {
          try {
            await this.rotate.requestScheduled(tx, path, SCHEDULE_ACTOR);
            started++;
          } catch (error) {
            // Refused before anything was written (a credential with no password its sidecar could take):
            // tried again a period later; the others still rotate.
            if (!(error instanceof HearthError)) throw error;
            this.log.error({ path, code: error.code, message: error.message }, 'a scheduled rotation was refused');
          }
        }
        return started;
      })
      .catch((error: unknown) => {
        this.log.error({ err: error }, 'the credential rotation round failed; it runs again at the next interval');
        return 0;
      })
      .finally(() => (this.round = null));
    return this.round;
  }
}

import { ErrorCode, HearthError, type TestStatus } from '@hearth/contracts';
import type { Clock, Ids, UnitOfWork } from '@hearth/platform/ports';
import type { CredentialWorkStore, SidecarChecks, WorkOutcome } from '../ports.js';

const STATUS: Record<Exclude<WorkOutcome, 'applied'>, TestStatus> = { ok: 'OK', failed: 'FAILED', timeout: 'TIMEOUT' };

/**
 * A sidecar credential's test by the driver that made it: a `check` work item for that principal, and
 * its report waited for (woken by the report's commit, in whichever vault process took it). Unanswered
 * within the timeout, the item is closed as `timeout` so that a late driver does not check for nobody.
 */
export class SidecarWorkChecks implements SidecarChecks {
  constructor(
    private readonly unitOfWork: UnitOfWork,
    private readonly work: Pick<CredentialWorkStore, 'subject' | 'insert' | 'openCheck' | 'find' | 'close' | 'waitFor'>,
    private readonly ids: Ids,
    private readonly clock: Clock,
  ) {}

  async check(path: string, version: number, timeoutMs: number): Promise<{ status: TestStatus; message: string }> {
    // Tests of one credential asked together share one check (the row lock orders them): a flood of
    // tests is one exec in the sidecar, not one each for a driver that does them one at a time.
    const id = await this.unitOfWork.run(async (tx) => {
      const subject = await this.work.subject(path, tx);
      if (!subject) throw new HearthError(ErrorCode.SecretNotFound, `no credential at ${path}`);
      const waiting = await this.work.openCheck(tx, path, version);
      if (waiting) return waiting;
      const fresh = this.ids.next();
      await this.work.insert(
        tx,
        { id: fresh, kind: 'check', path, version, claimant: subject.createdBy },
        this.clock.now(),
      );
      return fresh;
    });
    const report = await this.work.waitFor(id, timeoutMs);
    if (report && report.outcome !== 'applied') return { status: STATUS[report.outcome], message: report.message };
    const message = `the driver did not report a login check within ${timeoutMs} ms`;
    const late = await this.unitOfWork.run(async (tx) => {
      const work = await this.work.find(tx, id);
      if (work?.doneAt && work.outcome && work.outcome !== 'applied')
        return { status: STATUS[work.outcome], message: work.message ?? '' };
      await this.work.close(tx, id, 'timeout', message, this.clock.now());
      return null;
    });
    return late ?? { status: 'TIMEOUT', message };
  }
}

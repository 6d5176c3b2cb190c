import { HearthError, type AuditFilter } from '@hearth/contracts';
import type { AuditorAccess } from '../auditor-access/auditor-access.js';
import type { Clock } from '@hearth/platform/ports';
import type { TailItem, TailRecords } from './tail-records.js';

/** The quiet time after which a tail says it is still there, when the token is asked about less often. */
const KEEP_ALIVE_MS = 15_000;

export type AuditorTailItem = TailItem | { kind: 'refused'; error: HearthError };

/**
 * The live tail as an auditor gets it. The token that opened it is asked about again once
 * `recheckMs` have passed, before the next record or keep-alive (keep-alives come at least that
 * often), and the tail ends with `refused` the first time the answer is no: the token was revoked,
 * its role may no longer read, or the console cannot say (fail closed; a reconnecting client resumes
 * by Last-Event-ID). Checked only when the tail opened, a tail outlived its token for ever. The
 * console's answer is trusted for the token cache period, so with `recheckMs` equal to it a
 * revocation ends a tail within about twice that period.
 */
export class AuditorTail {
  constructor(
    private readonly tail: Pick<TailRecords, 'run'>,
    private readonly access: Pick<AuditorAccess, 'reader'>,
    private readonly clock: Clock,
    private readonly recheckMs: number,
  ) {}

  async *run(
    authorization: string | undefined,
    filter: AuditFilter,
    afterSeq: number,
    signal: AbortSignal,
  ): AsyncGenerator<AuditorTailItem> {
    let checkedAt = this.clock.now().getTime();
    for await (const item of this.tail.run(filter, afterSeq, signal, Math.min(KEEP_ALIVE_MS, this.recheckMs))) {
      const now = this.clock.now().getTime();
      if (now - checkedAt >= this.recheckMs) {
        try {
          await this.access.reader(authorization);
        } catch (error) {
          if (!(error instanceof HearthError)) throw error;
          yield { kind: 'refused', error };
          return;
        }
        checkedAt = now;
      }
      yield item;
    }
  }
}

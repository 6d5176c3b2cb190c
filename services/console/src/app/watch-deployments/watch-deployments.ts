import { ErrorCode, HearthError, type DeploymentRef } from '@hearth/contracts';
import { authorize, type OperatorToken } from '../../domain/operator/operator.js';
import type { Clock } from '@hearth/platform/ports';
import type { DeploymentChange, DeploymentChanges } from '../ports.js';

export type DeploymentWatchItem =
  | { kind: 'deployment'; ref: DeploymentRef }
  | { kind: 'deleted'; slug: string }
  | { kind: 'idle' }
  | { kind: 'refused'; error: HearthError };

/** Changes one stream may hold unsent while its reader is slow: past them it ends, asking the client to reload. */
export const MAX_PENDING_CHANGES = 1_000;

/** Live streams one token may hold open at once on this console, over all its sessions' tabs: past them, 429. */
export const MAX_STREAMS_PER_TOKEN = 8;

/**
 * An operator's live view of deployments: each committed change as it happens, a keep-alive when
 * nothing happened for `recheckMs`, and the caller asked about again (`recheck`: its session or token
 * as it is now) at least that often; the stream ends with `refused` once the answer is no, or when
 * changes may have gone unheard (the client reads the list again and reopens it). A reader that
 * falls MAX_PENDING_CHANGES behind has its stream ended that way too, so no stalled client holds
 * memory that grows with every change; and a token holds at most MAX_STREAMS_PER_TOKEN open.
 */
export class WatchDeployments {
  /** Open streams by token id. */
  private readonly open = new Map<string, number>();

  constructor(
    private readonly changes: DeploymentChanges,
    private readonly recheckMs: number,
    private readonly clock: Clock,
  ) {}

  /** Refused at once (an ordinary error) when the caller may not read deployments; listening from then on. */
  run(
    caller: OperatorToken,
    recheck: () => Promise<OperatorToken>,
    signal: AbortSignal,
  ): AsyncGenerator<DeploymentWatchItem> {
    authorize(caller, 'deployment.read');
    const release = this.admit(caller);
    const pending: DeploymentChange[] = [];
    let wake: (() => void) | null = null;
    const unsubscribe = this.changes.subscribe((change) => {
      if (pending.length < MAX_PENDING_CHANGES) pending.push(change);
      else {
        pending.splice(0, pending.length, { kind: 'lost' });
        unsubscribe();
      }
      wake?.();
    });
    // A generator never started runs no `finally`: the client leaving also releases its place.
    const aborted = () => {
      unsubscribe();
      release();
      wake?.();
    };
    signal.addEventListener('abort', aborted, { once: true });
    return this.watch(
      pending,
      (resolve) => (wake = resolve),
      recheck,
      signal,
      () => {
        unsubscribe();
        release();
        signal.removeEventListener('abort', aborted);
      },
    );
  }

  /** Counts the caller's stream in, or refuses it; the answer counts it out, once however often called. */
  private admit(caller: OperatorToken): () => void {
    const open = this.open.get(caller.id) ?? 0;
    if (open >= MAX_STREAMS_PER_TOKEN) {
      throw new HearthError(
        ErrorCode.TooManyStreams,
        `this token already holds ${MAX_STREAMS_PER_TOKEN} live streams open: close one first`,
      );
    }
    this.open.set(caller.id, open + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.open.get(caller.id) ?? 1) - 1;
      if (left === 0) this.open.delete(caller.id);
      else this.open.set(caller.id, left);
    };
  }

  private async *watch(
    pending: DeploymentChange[],
    onWake: (resolve: () => void) => void,
    recheck: () => Promise<OperatorToken>,
    signal: AbortSignal,
    done: () => void,
  ): AsyncGenerator<DeploymentWatchItem> {
    let checkedAt = this.clock.now().getTime();
    try {
      while (!signal.aborted) {
        if (pending.length === 0) await this.nextOrTimeout(onWake);
        if (signal.aborted) return;
        if (this.clock.now().getTime() - checkedAt >= this.recheckMs) {
          const refusal = await refusalOf(recheck);
          if (refusal) {
            yield { kind: 'refused', error: refusal };
            return;
          }
          checkedAt = this.clock.now().getTime();
        }
        const change = pending.shift();
        if (change === undefined) yield { kind: 'idle' };
        else if (change.kind === 'lost') {
          yield {
            kind: 'refused',
            error: new HearthError(ErrorCode.Unavailable, 'changes may have been missed: reload'),
          };
          return;
        } else yield change;
      }
    } finally {
      done();
    }
  }

  private nextOrTimeout(register: (resolve: () => void) => void): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, this.recheckMs);
      register(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}

/** Null while the caller still passes and may still read deployments; else why not. */
async function refusalOf(recheck: () => Promise<OperatorToken>): Promise<HearthError | null> {
  try {
    authorize(await recheck(), 'deployment.read');
    return null;
  } catch (error) {
    if (error instanceof HearthError) return error;
    throw error;
  }
}

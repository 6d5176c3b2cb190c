import type pg from 'pg';
import type { EngineConnection } from '../../app/ports.js';

type Connected = { client: pg.Client; connection: EngineConnection };
/**
 * A call's turn on the connection. `lost(beforeAnything)` says the connection can no longer be
 * trusted: it is dropped after the call, and when it failed the call's first statement (found dead
 * after sitting idle, say) the call runs once more on a new one. Every call begins with a statement
 * that is safe to send twice: a lookup, BEGIN, or setting the same password again.
 */
export type Turn = Connected & { lost: (beforeAnything: boolean) => void };

/**
 * One engine's calls, one at a time, on its one connection. The connection is made when a call needs
 * it and kept; once dropped (lost, or its engine forgotten) the next call makes a new one, with the
 * credentials as they are then. A chain of promises is the whole queue: calls run in arrival order,
 * a failed call does not stop the ones behind it.
 */
export class EngineQueue {
  private tail: Promise<unknown> = Promise.resolve();
  private connected: Connected | null = null;
  /** Calls waiting for their turn (not the one running). */
  waiting = 0;

  constructor(
    private readonly engine: string,
    private readonly connect: (engine: string) => Promise<Connected>,
  ) {}

  run<T>(task: (turn: Turn) => Promise<T>): Promise<T> {
    return this.enqueue(async () => {
      for (let attempt = 1; ; attempt++) {
        this.connected ??= await this.connectNow();
        const state = { lost: false, again: false };
        const lost = (beforeAnything: boolean) =>
          Object.assign(state, { lost: true, again: beforeAnything && attempt === 1 });
        try {
          return await task({ ...this.connected, lost });
        } catch (error) {
          if (!state.again) throw error;
        } finally {
          if (state.lost) await this.dropNow();
        }
      }
    });
  }

  /** Ends the connection in turn, after the calls already queued. */
  drop(): Promise<void> {
    return this.enqueue(() => this.dropNow());
  }

  private async connectNow(): Promise<Connected> {
    const connected = await this.connect(this.engine);
    // A connection the server or the network ended is forgotten at once: the next call reconnects.
    connected.client.once('end', () => {
      if (this.connected === connected) this.connected = null;
    });
    return connected;
  }

  private async dropNow(): Promise<void> {
    const connected = this.connected;
    this.connected = null;
    await connected?.client.end().catch(() => undefined);
  }

  private enqueue<T>(task: () => Promise<T>): Promise<T> {
    this.waiting++;
    const result = this.tail.then(() => {
      this.waiting--;
      return task();
    });
    this.tail = result.catch(() => undefined);
    return result;
  }
}

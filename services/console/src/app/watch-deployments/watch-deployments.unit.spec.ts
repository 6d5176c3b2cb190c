import { describe, expect, it } from '@jest/globals';
import { ErrorCode, type HearthError } from '@hearth/contracts';
import type { DeploymentChange, DeploymentChanges } from '../ports.js';
import type { OperatorToken } from '../../domain/operator/operator.js';
import {
  MAX_PENDING_CHANGES,
  MAX_STREAMS_PER_TOKEN,
  WatchDeployments,
  type DeploymentWatchItem,
} from './watch-deployments.js';

/** The feed as the console's Postgres listener drives it: every change to every subscriber, synchronously. */
class Changes implements DeploymentChanges {
  readonly listeners = new Set<(change: DeploymentChange) => void>();
  subscribe(listener: (change: DeploymentChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  emit(change: DeploymentChange): void {
    for (const listener of this.listeners) listener(change);
  }
}

const token = (id: string): OperatorToken => ({ id, name: id, role: 'auditor', createdBy: 'test' });
const deleted = (n: number): DeploymentChange => ({ kind: 'deleted', slug: `ws-${n}` });

function watcher() {
  const changes = new Changes();
  const watch = new WatchDeployments(changes, 60_000, { now: () => new Date() });
  const open = (caller: OperatorToken) => {
    const client = new AbortController();
    const items = watch.run(caller, () => Promise.resolve(caller), client.signal);
    return { items, close: () => client.abort() };
  };
  return { changes, open };
}

const refusalOf = (run: () => unknown): HearthError | undefined => {
  try {
    run();
  } catch (error) {
    return error as HearthError;
  }
  return undefined;
};

describe('live deployment streams', () => {
  it('hands each change on, in order, to a reader that keeps up', async () => {
    const { changes, open } = watcher();
    const { items } = open(token('a'));
    changes.emit(deleted(1));
    changes.emit(deleted(2));
    expect((await items.next()).value).toEqual(deleted(1));
    expect((await items.next()).value).toEqual(deleted(2));
  });

  it('ends the stream of a reader that falls behind, asking it to reload, and stops holding changes for it', async () => {
    const { changes, open } = watcher();
    const { items } = open(token('a'));
    for (let n = 0; n < MAX_PENDING_CHANGES * 3; n++) changes.emit(deleted(n));
    // Unsubscribed the moment it fell behind: later changes are not held for it.
    expect(changes.listeners.size).toBe(0);
    const first = (await items.next()).value as DeploymentWatchItem;
    expect(first).toMatchObject({ kind: 'refused', error: { code: ErrorCode.Unavailable } });
    expect((await items.next()).done).toBe(true);
  });

  it('holds at most MAX_STREAMS_PER_TOKEN open for one token, and takes another once one closes', () => {
    const { open } = watcher();
    const streams = Array.from({ length: MAX_STREAMS_PER_TOKEN }, () => open(token('a')));
    expect(refusalOf(() => open(token('a')))?.code).toBe(ErrorCode.TooManyStreams);
    // Another token has places of its own.
    expect(refusalOf(() => open(token('b')))).toBeUndefined();
    // Closed before it was ever read from: its place is given back all the same, and only once.
    streams[0]!.close();
    streams[0]!.close();
    expect(refusalOf(() => open(token('a')))).toBeUndefined();
    expect(refusalOf(() => open(token('a')))?.code).toBe(ErrorCode.TooManyStreams);
  });

  it('gives the place back when the stream ends by itself', async () => {
    const { changes, open } = watcher();
    const streams = Array.from({ length: MAX_STREAMS_PER_TOKEN }, () => open(token('a')));
    changes.emit({ kind: 'lost' });
    const ended = streams[0]!.items;
    expect((await ended.next()).value).toMatchObject({ kind: 'refused' });
    expect((await ended.next()).done).toBe(true);
    expect(refusalOf(() => open(token('a')))).toBeUndefined();
  });
});

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createTestDatabase, pgEnv, type TestDatabase } from '@hearth/testkit';
import { randomUUID } from 'node:crypto';
import type { Decider } from '../ports/decider.js';
import type { Transaction } from '../ports/unit-of-work.js';
import { handleCommand } from './command-handling.js';
import { openDatabase } from './database.js';
import { EventStore, VersionConflictError, type NewEvent } from './event-store.js';
import { TypeOrmUnitOfWork } from './unit-of-work.js';

const metadata = () => ({
  actor: 'test',
  correlation_id: randomUUID(),
  causation_id: null,
  trace_id: null,
  occurred_at: new Date().toISOString(),
});
const event = (type: string, data: unknown = {}): NewEvent => ({ id: randomUUID(), type, data, metadata: metadata() });

/** A counter that only counts up to a limit: enough to make concurrent commands race. */
type CounterEvent = { type: 'Incremented'; data: { by: number } };
const counter: Decider<{ by: number }, CounterEvent, number> = {
  initialState: 0,
  evolve: (total, e) => total + e.data.by,
  decide: (command) => [{ type: 'Incremented', data: { by: command.by } }],
};

describe('event store', () => {
  let db: TestDatabase;
  let uow: TypeOrmUnitOfWork;
  let close: () => Promise<void>;
  const store = new EventStore();

  beforeAll(async () => {
    db = await createTestDatabase('hearth_platform');
    const dataSource = await openDatabase(pgEnv, {
      database: db.name,
      migrations: [],
      applicationName: 'test',
    });
    uow = new TypeOrmUnitOfWork(dataSource);
    close = () => dataSource.destroy();
  });
  afterAll(async () => {
    await close?.();
    await db?.drop();
  });

  it('appends with versions and reads the stream back in order', async () => {
    const stream = `s-${randomUUID()}`;
    await uow.run((tx) => store.append(tx, stream, 0, [event('A'), event('B')]));
    await uow.run((tx) => store.append(tx, stream, 2, [event('C')]));
    const read = await uow.run((tx) => store.readStream(tx, stream));
    expect(read.map((e) => [e.type, e.version])).toEqual([
      ['A', 1],
      ['B', 2],
      ['C', 3],
    ]);
  });

  it('lets exactly one of two appends at the same expected version win', async () => {
    const stream = `s-${randomUUID()}`;
    await uow.run((tx) => store.append(tx, stream, 0, [event('Opened')]));
    const results = await Promise.allSettled([
      uow.run((tx) => store.append(tx, stream, 1, [event('First')])),
      uow.run((tx) => store.append(tx, stream, 1, [event('Second')])),
    ]);
    const fulfilled = results.filter((r) => r.status === 'fulfilled');
    const rejected = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(fulfilled).toHaveLength(1);
    expect(rejected).toHaveLength(1);
    expect(rejected[0]!.reason).toBeInstanceOf(VersionConflictError);
    expect((rejected[0]!.reason as VersionConflictError).code).toBe('STORE.VERSION_CONFLICT');
    expect(await uow.run((tx) => store.readStream(tx, stream))).toHaveLength(2);
  });

  it('retries a command that lost the race, on the state the winner left', async () => {
    const stream = `s-${randomUUID()}`;
    // The real store, made to hold both commands after they read the stream until both have: each
    // then appends at expected version 0, so exactly one conflict is certain, not left to timing.
    let arrived = 0;
    let release!: () => void;
    const bothRead = new Promise<void>((resolve) => (release = resolve));
    let conflicts = 0;
    class RacingStore extends EventStore {
      override async readStream(tx: Transaction, id: string) {
        const events = await super.readStream(tx, id);
        if (++arrived <= 2) {
          if (arrived === 2) release();
          await bothRead;
        }
        return events;
      }
      override async append(tx: Transaction, id: string, expected: number, events: readonly NewEvent[]) {
        try {
          return await super.append(tx, id, expected, events);
        } catch (error) {
          if (error instanceof VersionConflictError) conflicts++;
          throw error;
        }
      }
    }
    const racing = new RacingStore();
    const run = (by: number) =>
      handleCommand({
        unitOfWork: uow,
        store: racing,
        decider: counter,
        upcast: (stored) => stored as unknown as CounterEvent,
        stream,
        command: { by },
        metadata,
        newId: randomUUID,
      });
    const outcomes = await Promise.all([1, 2].map(run));

    expect(conflicts).toBe(1);
    expect(arrived).toBe(3); // two first reads, and the loser's second
    const read = await uow.run((tx) => store.readStream(tx, stream));
    expect(read.map((e) => e.version)).toEqual([1, 2]);
    // The loser decided again on the winner's event: its state is the total of both.
    expect(Math.max(...outcomes.map((o) => o.state))).toBe(3);
    expect(Math.min(...outcomes.map((o) => o.state))).toBeLessThan(3);
  });

  it('reads every committed event after a global position, in order and up to a limit', async () => {
    const stream = `s-${randomUUID()}`;
    const [first] = await uow.run((tx) => store.append(tx, stream, 0, [event('X'), event('Y'), event('Z')]));
    const after = await uow.run((tx) => store.readAllCommitted(tx, first!.globalPosition, 2));
    expect(after.map((e) => [e.type, e.stream, e.version])).toEqual([
      ['Y', stream, 2],
      ['Z', stream, 3],
    ]);
    expect(after[0]!.globalPosition).toBeGreaterThan(first!.globalPosition);
  });

  it("appends in the caller's transaction: rolled back with it, nothing is left", async () => {
    const stream = `s-${randomUUID()}`;
    const failed = uow.run(async (tx) => {
      await store.append(tx, stream, 0, [event('Lost')]);
      expect(await store.readStream(tx, stream)).toHaveLength(1); // visible inside …
      throw new Error('the use case fails after the append');
    });
    await expect(failed).rejects.toThrow('the use case fails after the append');
    expect(await uow.run((tx) => store.readStream(tx, stream))).toEqual([]); // … and gone with it
  });
});

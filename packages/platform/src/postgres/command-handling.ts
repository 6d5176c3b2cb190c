import { setTimeout as sleep } from 'node:timers/promises';
import type { Decider } from '../ports/decider.js';
import type { Transaction, UnitOfWork } from '../ports/unit-of-work.js';
import { managerOf, transactionOf } from './unit-of-work.js';
import { VersionConflictError, type EventStore, type NewEvent, type StoredEvent } from './event-store.js';
import type { EventMetadata } from '@hearth/contracts';

export interface CommandContext<Event, State> {
  /** The events this command appended, as stored. */
  appended: StoredEvent[];
  /** The state after them. */
  state: State;
  tx: Transaction;
  events: Event[];
}

export interface HandleCommandOptions<Command, Event extends { type: string; data: unknown }, State> {
  unitOfWork: UnitOfWork;
  store: EventStore;
  decider: Decider<Command, Event, State>;
  /** Turns a stored event (of any past version) into the domain's current event shape. */
  upcast: (stored: StoredEvent) => Event;
  stream: string;
  command: Command;
  metadata: () => EventMetadata;
  newId: () => string;
  /** Runs in the same transaction after the append: inline projections, outbox messages. */
  afterAppend?: (context: CommandContext<Event, State>) => Promise<void>;
  /** An outer transaction to join (a consumer's, say); the command then runs in a savepoint. */
  tx?: Transaction;
  maxAttempts?: number;
}

/**
 * Load → decide → append with the expected version → afterAppend, in one transaction. A version
 * conflict means another writer got there first: the command is decided again on the fresh state
 * (inside an outer transaction, the savepoint is rolled back and the command decided again).
 */
export async function handleCommand<Command, Event extends { type: string; data: unknown }, State>(
  options: HandleCommandOptions<Command, Event, State>,
): Promise<CommandContext<Event, State>> {
  const { decider, store, stream } = options;
  const maxAttempts = options.maxAttempts ?? 10;
  for (let attempt = 1; ; attempt++) {
    try {
      const inTransaction = (work: (tx: Transaction) => Promise<CommandContext<Event, State>>) =>
        options.tx
          ? managerOf(options.tx).transaction((savepoint) => work(transactionOf(savepoint)))
          : options.unitOfWork.run(work);
      return await inTransaction(async (tx) => {
        const history = await store.readStream(tx, stream);
        const before = history.map(options.upcast).reduce(decider.evolve, decider.initialState);
        const events = decider.decide(options.command, before);
        const metadata = options.metadata();
        const fresh: NewEvent[] = events.map((e) => ({ id: options.newId(), type: e.type, data: e.data, metadata }));
        const appended = await store.append(tx, stream, history.length, fresh);
        const state = events.reduce(decider.evolve, before);
        const context = { appended, state, tx, events };
        await options.afterAppend?.(context);
        return context;
      });
    } catch (error) {
      if (error instanceof VersionConflictError && attempt < maxAttempts) {
        await sleep(Math.random() * 5 * attempt); // jitter, so racers do not collide again in lockstep
        continue;
      }
      throw error;
    }
  }
}

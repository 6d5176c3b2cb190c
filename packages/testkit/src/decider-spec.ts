import type { expect as jestExpect } from '@jest/globals';
import { HearthError } from '@hearth/contracts';

/** jest's expect, from the global jest gives a test: the testkit also loads outside jest (benches). */
const expect = (actual: unknown) => (globalThis as unknown as { expect: typeof jestExpect }).expect(actual);

/**
 * Given/when/then over a pure decider (emmett's DeciderSpecification): the state is built from the
 * given events with `evolve`, the command decided on it, and the events it produced (or the code it
 * refused with) compared. Typed by shape, so the testkit needs no platform (which tests with it).
 */
export function deciderSpec<Command, Event extends { type: string; data: unknown }, State>(decider: {
  decide: (command: Command, state: State) => Event[];
  evolve: (state: State, event: Event) => State;
  initialState: State;
}) {
  return {
    given: (events: readonly Event[]) => ({
      when: (command: Command) => {
        const decide = () => decider.decide(command, events.reduce(decider.evolve, decider.initialState));
        return {
          then: (expected: readonly Event[]) => expect(decide()).toEqual(expected),
          thenThrows: (code: string) => {
            let thrown: unknown;
            try {
              decide();
            } catch (error) {
              thrown = error;
            }
            expect(thrown).toBeInstanceOf(HearthError);
            expect((thrown as HearthError).code).toBe(code);
          },
        };
      },
    }),
  };
}

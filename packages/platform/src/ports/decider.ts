/** A pure decider (emmett's shape): what a command means given the state, and how events build the state. */
export interface Decider<Command, Event extends { type: string; data: unknown }, State> {
  decide: (command: Command, state: State) => Event[];
  evolve: (state: State, event: Event) => State;
  initialState: State;
}

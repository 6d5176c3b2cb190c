/** Time, behind a port so deciders and tests can fix it. */
export interface Clock {
  now(): Date;
}

/** New unique ids (UUIDv4), behind a port so tests can make them predictable. */
export interface Ids {
  next(): string;
}

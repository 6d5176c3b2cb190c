/** The side effects a use case may ask for, so medium tests choose real or fake per dependency. */
export interface Clock {
  now(): Date;
}

export interface Ids {
  next(): string;
}

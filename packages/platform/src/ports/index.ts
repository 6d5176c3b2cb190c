// What domain and app code may depend on: interfaces only, nothing that reaches a database or a broker.
export * from './clock.js';
export * from './decider.js';
export * from './unit-of-work.js';
export * from './parking.js';

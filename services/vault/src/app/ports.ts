/** Where a use case reports a failure operators must see (pino's logger is one). */
export interface FailureLog {
  error(fields: Record<string, unknown>, message: string): void;
}

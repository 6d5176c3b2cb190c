/**
 * A database failure at a commit point (a read's, a resolution's) as far as it can be logged: its
 * kind, SQLSTATE and message. Those statements' parameters hold no value (nonces, events, outbox
 * rows), and none are logged.
 */
export function describeFailure(error: unknown): { name: string; code?: string; message: string } {
  if (!(error instanceof Error)) return { name: typeof error, message: String(error) };
  const code = (error as { code?: unknown }).code;
  return { name: error.name, ...(typeof code === 'string' ? { code } : {}), message: error.message };
}

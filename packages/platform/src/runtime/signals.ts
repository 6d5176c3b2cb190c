/** SIGINT and SIGTERM shut the service down in order, then exit. */
export function exitOnSignals(runtime: { shutdown(): Promise<void> }): void {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => void runtime.shutdown().then(() => process.exit(0)));
  }
}

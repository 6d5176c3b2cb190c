declare const transaction: unique symbol;

/**
 * A database transaction as app code sees it: a token it passes to its ports, never one it queries
 * or opens itself. Only `infra/` adapters turn it back into a connection (`managerOf`).
 */
export interface Transaction {
  readonly [transaction]: true;
}

/** Runs `work` in one transaction: everything it writes through its ports commits together or not at all. */
export interface UnitOfWork {
  run<T>(work: (tx: Transaction) => Promise<T>): Promise<T>;
}

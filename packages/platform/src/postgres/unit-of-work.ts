import type { DataSource, EntityManager } from 'typeorm';
import type { Transaction, UnitOfWork } from '../ports/unit-of-work.js';

/** The UnitOfWork of a service's own database: a TypeORM transaction. */
export class TypeOrmUnitOfWork implements UnitOfWork {
  constructor(private readonly dataSource: DataSource) {}

  run<T>(work: (tx: Transaction) => Promise<T>): Promise<T> {
    return this.dataSource.transaction((manager) => work(transactionOf(manager)));
  }
}

/** The EntityManager behind a transaction token: for infra adapters, inside a UnitOfWork's run. */
export function managerOf(tx: Transaction): EntityManager {
  return tx as unknown as EntityManager;
}

/** A transaction token for an EntityManager already in a transaction (a worker's own, say). */
export function transactionOf(manager: EntityManager): Transaction {
  return manager as unknown as Transaction;
}

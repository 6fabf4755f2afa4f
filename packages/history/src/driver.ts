import type { Dialect } from "./schema";

/** Statements inside one transaction. */
export interface SqlTransaction {
  all<T>(sql: string, params?: readonly unknown[]): Promise<T[]>;
  run(sql: string, params?: readonly unknown[]): Promise<void>;
  /** Runs one statement once per parameter list (a prepared statement, or MariaDB's batch). */
  runMany(sql: string, rows: readonly (readonly unknown[])[]): Promise<void>;
}

/** The little a store needs from a database connection; one per engine. */
export interface SqlDriver {
  readonly dialect: Dialect;
  exec(sql: string): Promise<void>;
  all<T>(sql: string, params?: readonly unknown[]): Promise<T[]>;
  /** Runs `work` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(work: (tx: SqlTransaction) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** Runs tasks one after the other (a connection is not shared by two transactions). */
export class Serial {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => Promise<T>): Promise<T> {
    const next = this.tail.then(task, task);
    this.tail = next.catch(() => undefined);
    return next;
  }
}

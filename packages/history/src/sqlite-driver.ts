import { mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname } from "node:path";
import type BetterSqlite3 from "better-sqlite3";
import { Serial, type SqlDriver, type SqlTransaction } from "./driver";
import { HistoryError } from "./errors";

type Database = BetterSqlite3.Database;
type Statement = BetterSqlite3.Statement;

/**
 * Opens (creating it and its directory if needed) a SQLite file in WAL mode; `readOnly` opens an
 * existing file for reading only.
 */
export function openSqlite(file: string, readOnly = false): SqlDriver {
  let Driver: typeof BetterSqlite3;
  try {
    Driver = createRequire(import.meta.url)("better-sqlite3") as typeof BetterSqlite3;
  } catch (error) {
    throw new HistoryError(
      "DRIVER_MISSING",
      'the SQLite history needs the "better-sqlite3" package (npm install better-sqlite3@12)',
      { cause: error },
    );
  }
  let db: Database;
  try {
    if (readOnly) {
      db = new Driver(file, { readonly: true, fileMustExist: true });
      db.pragma("busy_timeout = 10000");
      return new SqliteDriver(db);
    }
    if (file !== ":memory:") mkdirSync(dirname(file), { recursive: true });
    db = new Driver(file);
    // WAL: readers (the report, a web view) never block the writer, nor it them. FULL: a
    // committed batch survives a power cut, because the aggregator forgets it once committed.
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = FULL");
    db.pragma("busy_timeout = 10000");
  } catch (error) {
    throw new HistoryError(
      "CONNECT_FAILED",
      `cannot open the SQLite history ${file}: ${(error as Error).message}`,
      { cause: error },
    );
  }
  return new SqliteDriver(db);
}

class SqliteDriver implements SqlDriver {
  readonly dialect = "sqlite" as const;
  private readonly statements = new Map<string, Statement>();
  private readonly serial = new Serial();
  private readonly tx: SqlTransaction;

  constructor(private readonly db: Database) {
    this.tx = {
      all: async <T>(sql: string, params: readonly unknown[] = []) =>
        this.prepare(sql).all(...params) as T[],
      run: async (sql: string, params: readonly unknown[] = []) => {
        this.prepare(sql).run(...params);
      },
      runMany: async (sql: string, rows: readonly (readonly unknown[])[]) => {
        const statement = this.prepare(sql);
        for (const row of rows) statement.run(...row);
      },
    };
  }

  exec(sql: string): Promise<void> {
    return this.serial.run(async () => {
      this.db.exec(sql);
    });
  }

  all<T>(sql: string, params: readonly unknown[] = []): Promise<T[]> {
    return this.serial.run(async () => this.prepare(sql).all(...params) as T[]);
  }

  transaction<T>(work: (tx: SqlTransaction) => Promise<T>): Promise<T> {
    return this.serial.run(async () => {
      this.db.exec("BEGIN IMMEDIATE");
      try {
        const result = await work(this.tx);
        this.db.exec("COMMIT");
        return result;
      } catch (error) {
        if (this.db.inTransaction) this.db.exec("ROLLBACK");
        throw error;
      }
    });
  }

  close(): Promise<void> {
    return this.serial.run(async () => {
      if (this.db.open) this.db.close();
    });
  }

  private prepare(sql: string): Statement {
    let statement = this.statements.get(sql);
    if (statement === undefined) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }
}

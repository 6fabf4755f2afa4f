import { createRequire } from "node:module";
import type { Pool, PoolConnection } from "mariadb";
import type { SqlDriver, SqlTransaction } from "./driver";
import { HistoryError } from "./errors";

/** How to reach a MariaDB (or MySQL) database. */
export interface MariadbTarget {
  host: string;
  port: number;
  user: string;
  password: string | undefined;
  database: string;
}

/**
 * A small pool (2 connections) to a MariaDB database. The pool reconnects by itself: while the
 * server is away each call fails with `CONNECT_FAILED` within `connectTimeoutMs`.
 */
export async function openMariadb(
  target: MariadbTarget,
  connectTimeoutMs = 5_000,
): Promise<SqlDriver> {
  let mariadb: typeof import("mariadb");
  try {
    mariadb = createRequire(import.meta.url)("mariadb") as typeof import("mariadb");
  } catch (error) {
    throw new HistoryError(
      "DRIVER_MISSING",
      'the MariaDB history needs the "mariadb" package (npm install mariadb)',
      { cause: error },
    );
  }
  const pool = mariadb.createPool({
    host: target.host,
    port: target.port,
    user: target.user,
    ...(target.password !== undefined ? { password: target.password } : {}),
    database: target.database,
    connectionLimit: 2,
    minimumIdle: 0,
    connectTimeout: connectTimeoutMs,
    acquireTimeout: connectTimeoutMs + 1_000,
    initializationTimeout: connectTimeoutMs,
    dateStrings: true,
    bigIntAsNumber: true,
    decimalAsNumber: true,
    insertIdAsNumber: true,
    timezone: "Z",
    initSql: "SET time_zone = '+00:00'",
  });
  const driver = new MariadbDriver(pool, target);
  // Fail now, with a clear message, rather than at the first write.
  await driver.all("SELECT 1");
  return driver;
}

class MariadbDriver implements SqlDriver {
  readonly dialect = "mariadb" as const;

  constructor(
    private readonly pool: Pool,
    private readonly target: MariadbTarget,
  ) {}

  async exec(sql: string): Promise<void> {
    await this.withConnection((c) => c.query(sql));
  }

  all<T>(sql: string, params: readonly unknown[] = []): Promise<T[]> {
    return this.withConnection(async (c) => (await c.query(sql, params as unknown[])) as T[]);
  }

  transaction<T>(work: (tx: SqlTransaction) => Promise<T>): Promise<T> {
    return this.withConnection(async (c) => {
      await c.beginTransaction();
      try {
        const result = await work({
          all: async <R>(sql: string, params: readonly unknown[] = []) =>
            (await c.query(sql, params as unknown[])) as R[],
          run: async (sql: string, params: readonly unknown[] = []) => {
            await c.query(sql, params as unknown[]);
          },
          runMany: async (sql: string, rows: readonly (readonly unknown[])[]) => {
            if (rows.length > 0) await c.batch(sql, rows as unknown[][]);
          },
        });
        await c.commit();
        return result;
      } catch (error) {
        await c.rollback().catch(() => undefined);
        throw error;
      }
    });
  }

  async close(): Promise<void> {
    await this.pool.end();
  }

  private async withConnection<T>(work: (c: PoolConnection) => Promise<T>): Promise<T> {
    let connection: PoolConnection;
    try {
      connection = await this.pool.getConnection();
    } catch (error) {
      const t = this.target;
      throw new HistoryError(
        "CONNECT_FAILED",
        `cannot reach MariaDB at ${t.host}:${t.port} (database ${t.database}, user ${t.user}): ${(error as Error).message}`,
        { cause: error },
      );
    }
    try {
      return await work(connection);
    } finally {
      connection.release();
    }
  }
}

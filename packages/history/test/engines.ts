import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createConnection } from "mariadb";

/** A fresh, empty database of one engine, and how to throw it away. */
export interface Scratch {
  url: string;
  drop(): Promise<void>;
}

/** The shared MariaDB of this machine (CI starts it): root without a password. */
export const MARIADB = { host: "127.0.0.1", port: 3306, user: "root" };

/** A new SQLite file in a temporary directory. */
export function scratchSqlite(): Scratch {
  const dir = mkdtempSync(join(tmpdir(), "coreflux-history-"));
  return {
    url: `sqlite:${join(dir, "history.db")}`,
    drop: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** A new database of its own on the shared MariaDB, dropped by `drop`. */
export async function scratchMariadb(): Promise<Scratch> {
  const name = `coreflux_test_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
  const admin = await createConnection(MARIADB);
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  return {
    url: `mariadb://${MARIADB.user}@${MARIADB.host}:${MARIADB.port}/${name}`,
    drop: async () => {
      const c = await createConnection(MARIADB);
      await c.query(`DROP DATABASE IF EXISTS ${name}`);
      await c.end();
    },
  };
}

/** Both engines, for `describe.each`. */
export const ENGINES = [
  { engine: "sqlite", scratch: async () => scratchSqlite() },
  { engine: "mariadb", scratch: scratchMariadb },
] as const;

/** The SQL dialects the store speaks. */
export type Dialect = "sqlite" | "mariadb";

/** The schema version this code writes; a database at a higher version is refused. */
export const SCHEMA_VERSION = 1;

/** The settings table, created before any migration (it records which ones were applied). */
export function metaTable(dialect: Dialect): string {
  return dialect === "sqlite"
    ? "CREATE TABLE IF NOT EXISTS coreflux_meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)"
    : "CREATE TABLE IF NOT EXISTS coreflux_meta (name VARCHAR(64) PRIMARY KEY, value VARCHAR(255) NOT NULL) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin";
}

/**
 * The migrations, in order: migration `i` takes the schema from version `i` to `i + 1`. They only
 * ever add (tables, columns, indexes, views): never a destructive statement. Each statement can
 * run twice (a migration interrupted halfway is run again from its start).
 */
export function migrations(dialect: Dialect, periodMinutes: number): string[][] {
  const sqlite = dialect === "sqlite";
  const id = sqlite ? "INTEGER PRIMARY KEY" : "BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY";
  const ref = sqlite ? "INTEGER" : "BIGINT";
  const text = (n: number) => (sqlite ? "TEXT" : `VARCHAR(${n})`);
  const time = sqlite ? "TEXT" : "DATETIME";
  const mwh = sqlite ? "INTEGER" : "BIGINT";
  const real = sqlite ? "REAL" : "DOUBLE";
  const count = sqlite ? "INTEGER" : "INT";
  const tail = sqlite
    ? " WITHOUT ROWID"
    : " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin";
  // Every statement can run again: MariaDB commits each DDL statement on its own, so a start
  // that stopped halfway through a migration repeats it from the beginning.
  const view = sqlite ? "CREATE VIEW IF NOT EXISTS" : "CREATE OR REPLACE VIEW";
  const nodesTail = sqlite ? "" : " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin";
  const observed = `peak_power_w ${real} NULL,
      devices_online ${count} NULL,
      devices_stale ${count} NULL,
      devices_offline ${count} NULL,
      observed_at ${time} NULL`;
  return [
    [
      `CREATE TABLE IF NOT EXISTS nodes (
      id ${id},
      path ${text(700)} NOT NULL,
      level ${text(8)} NOT NULL,
      name ${text(255)} NOT NULL,
      parent_id ${ref} NULL,
      UNIQUE (path)
    )${nodesTail}`,
      `CREATE TABLE IF NOT EXISTS energy_periods (
      node_id ${ref} NOT NULL,
      period_start ${time} NOT NULL,
      energy_mwh ${mwh} NOT NULL,
      returned_energy_mwh ${mwh} NOT NULL,
      avg_power_w ${real} GENERATED ALWAYS AS (energy_mwh * ${60 / periodMinutes} / 1000.0) VIRTUAL,
      ${observed},
      PRIMARY KEY (node_id, period_start)
    )${tail}`,
      "CREATE INDEX IF NOT EXISTS energy_periods_by_start ON energy_periods (period_start)",
      `CREATE TABLE IF NOT EXISTS energy_hours (
      node_id ${ref} NOT NULL,
      hour_start ${time} NOT NULL,
      day_start ${time} NOT NULL,
      month_start ${time} NOT NULL,
      energy_mwh ${mwh} NOT NULL,
      returned_energy_mwh ${mwh} NOT NULL,
      avg_power_w ${real} GENERATED ALWAYS AS (energy_mwh / 1000.0) VIRTUAL,
      ${observed},
      PRIMARY KEY (node_id, hour_start)
    )${tail}`,
      "CREATE INDEX IF NOT EXISTS energy_hours_by_day ON energy_hours (node_id, day_start)",
      "CREATE INDEX IF NOT EXISTS energy_hours_by_start ON energy_hours (hour_start)",
      `${view} energy_days AS
      SELECT node_id, day_start, month_start,
        SUM(energy_mwh) AS energy_mwh,
        SUM(returned_energy_mwh) AS returned_energy_mwh,
        MAX(peak_power_w) AS peak_power_w,
        COUNT(*) AS hours_with_rows
      FROM energy_hours GROUP BY node_id, day_start, month_start`,
      `${view} energy_months AS
      SELECT node_id, month_start,
        SUM(energy_mwh) AS energy_mwh,
        SUM(returned_energy_mwh) AS returned_energy_mwh,
        MAX(peak_power_w) AS peak_power_w
      FROM energy_hours GROUP BY node_id, month_start`,
    ],
  ];
}

/** The upsert statements of one dialect: `?` placeholders in the order the writer binds them. */
export interface UpsertSql {
  /** Period row written as the period's whole value. */
  periodAbsolute: string;
  /** Period row added to what the database holds. */
  periodAdditive: string;
  /** Hour row: energies added (the periods' deltas), peak and states merged. */
  hour: string;
}

/**
 * Binds, in order: node_id, period_start, energy_mwh, returned_energy_mwh, peak_power_w, online,
 * stale, offline, observed_at. The hour statement binds
 * node_id, hour_start, day_start, month_start, then the same from energy_mwh on.
 */
export function upsertSql(dialect: Dialect): UpsertSql {
  const sqlite = dialect === "sqlite";
  const ex = (col: string) => (sqlite ? `excluded.${col}` : `VALUES(${col})`);
  const greatest = sqlite ? "MAX" : "GREATEST";
  const observedMerge = `peak_power_w = ${greatest}(COALESCE(peak_power_w, ${ex("peak_power_w")}), COALESCE(${ex("peak_power_w")}, peak_power_w)),
      devices_online = CASE WHEN ${ex("observed_at")} IS NOT NULL AND (observed_at IS NULL OR ${ex("observed_at")} >= observed_at) THEN ${ex("devices_online")} ELSE devices_online END,
      devices_stale = CASE WHEN ${ex("observed_at")} IS NOT NULL AND (observed_at IS NULL OR ${ex("observed_at")} >= observed_at) THEN ${ex("devices_stale")} ELSE devices_stale END,
      devices_offline = CASE WHEN ${ex("observed_at")} IS NOT NULL AND (observed_at IS NULL OR ${ex("observed_at")} >= observed_at) THEN ${ex("devices_offline")} ELSE devices_offline END,
      observed_at = CASE WHEN ${ex("observed_at")} IS NOT NULL AND (observed_at IS NULL OR ${ex("observed_at")} >= observed_at) THEN ${ex("observed_at")} ELSE observed_at END`;
  // SQLite evaluates every SET expression against the old row; MariaDB left to right against the
  // row as updated so far. The observed_* columns come after the states they compare in both.
  const conflict = (key: string) =>
    sqlite ? `ON CONFLICT (${key}) DO UPDATE SET` : "ON DUPLICATE KEY UPDATE";
  const period = (energy: string, returned: string) => `INSERT INTO energy_periods
      (node_id, period_start, energy_mwh, returned_energy_mwh, peak_power_w, devices_online, devices_stale, devices_offline, observed_at)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
      ${conflict("node_id, period_start")}
      energy_mwh = ${energy},
      returned_energy_mwh = ${returned},
      ${observedMerge}`;
  return {
    periodAbsolute: period(ex("energy_mwh"), ex("returned_energy_mwh")),
    periodAdditive: period(
      `energy_mwh + ${ex("energy_mwh")}`,
      `returned_energy_mwh + ${ex("returned_energy_mwh")}`,
    ),
    hour: `INSERT INTO energy_hours
      (node_id, hour_start, day_start, month_start, energy_mwh, returned_energy_mwh, peak_power_w, devices_online, devices_stale, devices_offline, observed_at)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
      ${conflict("node_id, hour_start")}
      energy_mwh = energy_mwh + ${ex("energy_mwh")},
      returned_energy_mwh = returned_energy_mwh + ${ex("returned_energy_mwh")},
      ${observedMerge}`,
  };
}

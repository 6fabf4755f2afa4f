import type { SqlDriver } from "./driver";
import { HistoryError, queryFailed } from "./errors";
import { openMariadb } from "./mariadb-driver";
import { metaTable, migrations, SCHEMA_VERSION, upsertSql } from "./schema";
import { openSqlite } from "./sqlite-driver";
import { checkZoneAlignment, fromSqlTime, toSqlTime, ZoneCalendar } from "./time";
import {
  type HistoryBatch,
  type HistoryNode,
  isRowSource,
  type NodeLevel,
  type PeriodRow,
  type ReportQuery,
  type ReportRow,
} from "./types";
import { type HistoryLocation, parseHistoryUrl, redactHistoryUrl } from "./url";

/**
 * Rows per statement list sent to the database: SQLite's thread or MariaDB's batch takes a
 * batch in pieces of this many, so building one piece holds the caller for about a millisecond.
 */
const ROWS_PER_CALL = 1_000;

/** Paths per `SELECT ... WHERE path IN (...)` when looking up the ids of new nodes. */
const PATHS_PER_LOOKUP = 500;

/** Period widths a history can have, minutes (all divide an hour, so periods align to UTC hours). */
export const PERIOD_MINUTES = [1, 5, 15, 60] as const;

/** How to open a history. */
export interface OpenHistoryOptions {
  /** `sqlite:<file>` or `mariadb://user[:password]@host[:port]/database`. */
  url: string;
  /** MariaDB password (wins over one in the URL). */
  password?: string | undefined;
  /** The company's name: a database holds one company. */
  company: string;
  /** Width of the period rows; fixed when the database is created. */
  periodMinutes: (typeof PERIOD_MINUTES)[number];
  /** The IANA zone of the hourly, daily and monthly roll-ups; fixed when the database is created. */
  timeZone: string;
  /** MariaDB: how long to wait for the server, ms (default 5,000). */
  connectTimeoutMs?: number;
  /** Open for reading only: no migration, no settings written (the report CLI). */
  readOnly?: boolean;
  /**
   * Who writes batches: each writer numbers its batches on its own (partitioned aggregators
   * share one database, each with its own nodes). 1-48 letters, digits, `-` or `_`; default
   * none (the single aggregator of the company).
   */
  writer?: string | undefined;
  /** How a write shares the event loop with the rest of the process (default: see {@link WritePace}). */
  pace?: WritePace | undefined;
}

/**
 * How {@link HistoryStore.write} shares its thread's event loop. A write does its synchronous
 * work in pieces (a piece of rows made and sent, a piece of paths looked through, ...), each
 * about a millisecond or a few: it waits for `turn()` before each piece and runs the piece
 * through `run`. A service with slices of its own passes its scheduler's turn, so that no turn
 * of the event loop runs a piece of the write and a slice of its own back to back, and times
 * the pieces with `run`.
 */
export interface WritePace {
  /** Resolves when the next piece may run, in a later turn (default: the next `setImmediate`). */
  turn?: (() => Promise<void>) | undefined;
  /** Runs one piece and returns what it returns (default: calls it). */
  run?: (<T>(work: () => T) => T) | undefined;
}

/** The next `setImmediate` turn. */
const immediateTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Calls `work`. */
const runNow = <T>(work: () => T): T => work();

type Meta = Partial<Record<string, string>> &
  Partial<Record<"schema_version" | "company" | "period_minutes" | "time_zone", string>>;

/** A writer's name (the key `last_batch_seq:<writer>` fits coreflux_meta's 64 characters). */
const WRITER_NAME = /^[A-Za-z0-9_-]{1,48}$/;

/**
 * Opens the history at `options.url`: creates the database's tables, or migrates them from an
 * older version (never destructively), and checks it was made for the same company, period width
 * and time zone. Throws {@link HistoryError}: `INVALID_URL`, `INVALID_ARGUMENT`, `DRIVER_MISSING`,
 * `CONNECT_FAILED`, `SCHEMA_TOO_NEW`, `SETTINGS_MISMATCH`, `QUERY_FAILED`.
 */
export async function openHistory(options: OpenHistoryOptions): Promise<HistoryStore> {
  if (!(PERIOD_MINUTES as readonly number[]).includes(options.periodMinutes)) {
    throw new HistoryError(
      "INVALID_ARGUMENT",
      `periodMinutes must be 1, 5, 15 or 60, got ${String(options.periodMinutes)}`,
    );
  }
  if (options.writer !== undefined && !WRITER_NAME.test(options.writer)) {
    throw new HistoryError(
      "INVALID_ARGUMENT",
      `writer must be 1-48 letters, digits, - or _, got ${JSON.stringify(options.writer)}`,
    );
  }
  const calendar = new ZoneCalendar(options.timeZone);
  checkZoneAlignment(options.timeZone, options.periodMinutes, Date.UTC(2026, 0, 1));
  const location = parseHistoryUrl(options.url);
  const driver = await connect(location, options);
  try {
    const store = new HistoryStore(driver, location, options, calendar);
    await store.prepare(options.readOnly === true);
    return store;
  } catch (error) {
    await driver.close().catch(() => undefined);
    throw error;
  }
}

async function connect(location: HistoryLocation, options: OpenHistoryOptions): Promise<SqlDriver> {
  if (location.engine === "sqlite")
    return await openSqlite(location.file, options.readOnly === true);
  return openMariadb(
    { ...location, password: options.password ?? location.password },
    options.connectTimeoutMs,
  );
}

/** The level of a node from its path below the company. */
export function levelOfPath(path: string): NodeLevel {
  if (path === "") return "company";
  const depth = path.split("/").length;
  return depth === 1 ? "office" : depth === 2 ? "room" : "device";
}

/**
 * A history database: rows in (exactly once per batch), reports out. Open it with
 * {@link openHistory}. Calls may overlap; they run one after the other.
 */
export class HistoryStore {
  /** `sqlite` or `mariadb`. */
  readonly engine: "sqlite" | "mariadb";
  readonly periodMinutes: number;
  readonly timeZone: string;
  /** The URL, its password hidden. */
  readonly describe: string;
  private readonly nodeIds = new Map<string, number>();
  private readonly sql;
  private closed = false;
  /** The meta row holding this writer's last batch seq. */
  private readonly seqKey: string;
  /** Waits for the turn of a write's next piece (see {@link WritePace}). */
  private readonly turn: () => Promise<void>;
  /** Runs one piece of a write (see {@link WritePace}). */
  private readonly runPiece: <T>(work: () => T) => T;

  /** @internal Use {@link openHistory}. */
  constructor(
    private readonly driver: SqlDriver,
    location: HistoryLocation,
    private readonly options: OpenHistoryOptions,
    /** Local calendar of {@link timeZone}. */
    readonly calendar: ZoneCalendar,
  ) {
    this.engine = location.engine;
    this.periodMinutes = options.periodMinutes;
    this.timeZone = options.timeZone;
    this.describe = redactHistoryUrl(options.url);
    this.sql = upsertSql(driver.dialect);
    this.seqKey =
      options.writer === undefined ? "last_batch_seq" : `last_batch_seq:${options.writer}`;
    this.turn = options.pace?.turn ?? immediateTurn;
    this.runPiece = options.pace?.run ?? runNow;
  }

  /** @internal Creates or migrates the schema and checks the settings. */
  async prepare(readOnly: boolean): Promise<void> {
    const d = this.driver;
    try {
      if (!readOnly) await d.exec(metaTable(d.dialect));
      const meta = await this.meta().catch((error: unknown) => {
        if (readOnly) {
          throw new HistoryError(
            "SETTINGS_MISMATCH",
            `${this.describe} holds no Coreflux history yet`,
            { cause: error },
          );
        }
        throw error;
      });
      const version = Number(meta.schema_version ?? 0);
      if (version > SCHEMA_VERSION) {
        throw new HistoryError(
          "SCHEMA_TOO_NEW",
          `${this.describe} has history schema version ${version}, newer than this version of Coreflux knows (${SCHEMA_VERSION}): upgrade Coreflux, or point [history] url at another database`,
        );
      }
      this.checkSetting(meta, "company", this.options.company);
      this.checkSetting(meta, "period_minutes", String(this.options.periodMinutes));
      this.checkSetting(meta, "time_zone", this.options.timeZone);
      if (readOnly) {
        if (version < SCHEMA_VERSION) {
          throw new HistoryError(
            "SCHEMA_TOO_NEW",
            `${this.describe} has history schema version ${version}; start the aggregator once to migrate it`,
          );
        }
      } else {
        const steps = migrations(d.dialect, this.periodMinutes);
        for (let v = version; v < SCHEMA_VERSION; v++) {
          for (const statement of steps[v]!) await d.exec(statement);
          await this.setMeta("schema_version", String(v + 1));
        }
        await this.setMeta("company", this.options.company);
        await this.setMeta("period_minutes", String(this.periodMinutes));
        await this.setMeta("time_zone", this.timeZone);
      }
      for (const node of await d.all<{ id: number; path: string }>("SELECT id, path FROM nodes")) {
        this.nodeIds.set(node.path, Number(node.id));
      }
    } catch (error) {
      throw queryFailed(`cannot prepare the history ${this.describe}`, error);
    }
  }

  /** The `seq` of the last batch applied (0: none yet). */
  async lastBatchSeq(): Promise<number> {
    this.checkOpen();
    try {
      return Number((await this.meta())[this.seqKey] ?? 0);
    } catch (error) {
      throw queryFailed("cannot read the history's last batch", error);
    }
  }

  /**
   * Applies `batch` in one transaction (its period rows, the hour rows they change, and its
   * `seq`); returns false, changing nothing, when a batch with this `seq` or a later one was
   * applied already. Throws {@link HistoryError} `CONNECT_FAILED` or `QUERY_FAILED`; then
   * nothing of the batch was applied and it can be offered again.
   */
  async write(batch: HistoryBatch): Promise<boolean> {
    this.checkOpen();
    try {
      const source = isRowSource(batch) ? batch : undefined;
      const count = source?.size ?? batch.rows.length;
      const rowAt = (i: number) => source?.row(i) ?? batch.rows[i]!;
      const pathOf = source?.path;
      await this.ensureNodes(
        count,
        pathOf === undefined ? (i) => rowAt(i).path : (i) => pathOf.call(source, i),
      );
      const sql = this.sql;
      const d = this.driver;
      return await d.transaction(async (tx) => {
        const lock = d.dialect === "mariadb" ? " FOR UPDATE" : "";
        const found = await tx.all<{ value: string }>(
          `SELECT value FROM coreflux_meta WHERE name = ?${lock}`,
          [this.seqKey],
        );
        if (Number(found[0]?.value ?? 0) >= batch.seq) return false;
        // Absolute rows first, then additive ones, then the hours they change, each made and
        // sent a piece at a time (see WritePace): a large batch never holds the thread for long
        // in one go, and rows made one at a time (a RowSource) are garbage once their piece is
        // sent. The first pass notes which rows are additive (few), so each row is made once
        // there and only the additive ones again.
        const hours = new Map<string, HourAccumulator>();
        const additiveAt: number[] = [];
        for (let from = 0; from < count; from += ROWS_PER_CALL) {
          await this.turn();
          await this.runPiece(() => {
            const params: unknown[][] = [];
            for (let i = from; i < Math.min(count, from + ROWS_PER_CALL); i++) {
              const row = rowAt(i);
              if (row.additive) {
                additiveAt.push(i);
                continue;
              }
              const nodeId = this.nodeIds.get(row.path)!;
              params.push(periodParams(nodeId, row));
              this.addToHour(hours, nodeId, row);
            }
            return tx.runMany(sql.periodAbsolute, params);
          });
        }
        for (let from = 0; from < additiveAt.length; from += ROWS_PER_CALL) {
          await this.turn();
          await this.runPiece(() => {
            const params: unknown[][] = [];
            for (const i of additiveAt.slice(from, from + ROWS_PER_CALL)) {
              const row = rowAt(i);
              const nodeId = this.nodeIds.get(row.path)!;
              params.push(periodParams(nodeId, row));
              this.addToHour(hours, nodeId, row);
            }
            return tx.runMany(sql.periodAdditive, params);
          });
        }
        await this.turn();
        const changedHours = this.runPiece(() => [...hours.values()]);
        for (let from = 0; from < changedHours.length; from += ROWS_PER_CALL) {
          await this.turn();
          await this.runPiece(() =>
            tx.runMany(
              sql.hour,
              changedHours
                .slice(from, from + ROWS_PER_CALL)
                .map((h) => [
                  h.nodeId,
                  toSqlTime(h.hourStartMs),
                  toSqlTime(h.dayStartMs),
                  toSqlTime(h.monthStartMs),
                  h.energyMwh,
                  h.returnedEnergyMwh,
                  h.peakPowerW ?? null,
                  h.devices?.online ?? null,
                  h.devices?.stale ?? null,
                  h.devices?.offline ?? null,
                  h.observedAtMs === undefined ? null : toSqlTime(h.observedAtMs),
                ]),
            ),
          );
        }
        await this.upsertMeta(tx, this.seqKey, String(batch.seq));
        return true;
      });
    } catch (error) {
      throw queryFailed(`cannot write batch ${batch.seq} to the history ${this.describe}`, error);
    }
  }

  /** Every node, ordered by path. */
  async nodes(): Promise<(HistoryNode & { id: number; parentId: number | null })[]> {
    this.checkOpen();
    const rows = await this.driver
      .all<{ id: number; path: string; level: NodeLevel; name: string; parent_id: number | null }>(
        "SELECT id, path, level, name, parent_id FROM nodes ORDER BY path",
      )
      .catch((error: unknown) => {
        throw queryFailed("cannot read the history's nodes", error);
      });
    return rows.map((r) => ({
      id: Number(r.id),
      path: r.path,
      level: r.level,
      name: r.name,
      parentId: r.parent_id === null ? null : Number(r.parent_id),
    }));
  }

  /**
   * The energy of the matching nodes by period, local hour, day or month, for the periods
   * starting in `[fromMs, toMs)`; ordered by path then period. Sums of stored integers: exact.
   */
  async report(query: ReportQuery): Promise<ReportRow[]> {
    this.checkOpen();
    if (!(query.toMs > query.fromMs)) return [];
    const nodes = (await this.nodes()).filter(
      (n) =>
        (query.level === undefined || n.level === query.level) &&
        (query.path === undefined || matchesPath(query.path, n.path)),
    );
    if (nodes.length === 0) return [];
    const byId = new Map(nodes.map((n) => [n.id, n]));
    const [table, start, group] =
      query.by === "period"
        ? ["energy_periods", "period_start", "period_start"]
        : query.by === "hour"
          ? ["energy_hours", "hour_start", "hour_start"]
          : query.by === "day"
            ? ["energy_hours", "hour_start", "day_start"]
            : ["energy_hours", "hour_start", "month_start"];
    const sql = `SELECT node_id, ${group} AS period_start, SUM(energy_mwh) AS energy_mwh,
        SUM(returned_energy_mwh) AS returned_energy_mwh, MAX(peak_power_w) AS peak_power_w
      FROM ${table} WHERE ${start} >= ? AND ${start} < ?
      GROUP BY node_id, ${group}`;
    const rows = await this.driver
      .all<{
        node_id: number;
        period_start: string;
        energy_mwh: number;
        returned_energy_mwh: number;
        peak_power_w: number | null;
      }>(sql, [toSqlTime(query.fromMs), toSqlTime(query.toMs)])
      .catch((error: unknown) => {
        throw queryFailed("cannot read the history's report", error);
      });
    const out: ReportRow[] = [];
    for (const r of rows) {
      const node = byId.get(Number(r.node_id));
      if (node === undefined) continue;
      out.push({
        path: node.path,
        level: node.level,
        periodStartMs: fromSqlTime(r.period_start),
        energyMwh: Number(r.energy_mwh),
        returnedEnergyMwh: Number(r.returned_energy_mwh),
        peakPowerW: r.peak_power_w === null ? null : Number(r.peak_power_w),
      });
    }
    return out.sort((a, b) =>
      a.path < b.path ? -1 : a.path > b.path ? 1 : a.periodStartMs - b.periodStartMs,
    );
  }

  /**
   * Deletes up to `maxRows` period rows that start before `beforeMs` (hour rows are kept);
   * returns how many. Call it until it returns less than `maxRows`: small batches keep the
   * database responsive.
   */
  async pruneFine(beforeMs: number, maxRows: number): Promise<number> {
    this.checkOpen();
    const before = toSqlTime(beforeMs);
    try {
      const victims = await this.driver.all<{ node_id: number; period_start: string }>(
        "SELECT node_id, period_start FROM energy_periods WHERE period_start < ? ORDER BY period_start LIMIT ?",
        [before, maxRows],
      );
      if (victims.length === 0) return 0;
      await this.driver.transaction(async (tx) => {
        await tx.runMany(
          "DELETE FROM energy_periods WHERE node_id = ? AND period_start = ?",
          victims.map((v) => [v.node_id, v.period_start]),
        );
      });
      return victims.length;
    } catch (error) {
      throw queryFailed("cannot delete old period rows", error);
    }
  }

  /** Closes the connection (idempotent). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.driver.close();
  }

  /**
   * Creates the nodes of the `count` rows' paths (`pathAt`) that the history does not have yet,
   * in pieces like a write's rows (see {@link WritePace}).
   */
  private async ensureNodes(count: number, pathAt: (i: number) => string): Promise<void> {
    // Missing paths by depth, ancestors included: each level is created after the one above it,
    // so each node finds its parent's id.
    const missing = new Set<string>();
    const byDepth: string[][] = [];
    for (let from = 0; from < count; from += ROWS_PER_CALL) {
      await this.turn();
      this.runPiece(() => {
        for (let i = from; i < Math.min(count, from + ROWS_PER_CALL); i++) {
          const path = pathAt(i);
          if (this.nodeIds.has(path)) continue;
          const segments = path === "" ? [] : path.split("/");
          for (let depth = 0; depth <= segments.length; depth++) {
            const ancestor = segments.slice(0, depth).join("/");
            if (this.nodeIds.has(ancestor) || missing.has(ancestor)) continue;
            missing.add(ancestor);
            const level = byDepth[depth];
            if (level === undefined) byDepth[depth] = [ancestor];
            else level.push(ancestor);
          }
        }
      });
    }
    if (missing.size === 0) return;
    const insert =
      this.driver.dialect === "sqlite"
        ? "INSERT OR IGNORE INTO nodes (path, level, name, parent_id) VALUES (?, ?, ?, ?)"
        : "INSERT IGNORE INTO nodes (path, level, name, parent_id) VALUES (?, ?, ?, ?)";
    // One transaction for every new node, a level at a time from the company down; the ids are
    // remembered once it committed.
    const created = new Map<string, number>();
    const idOf = (path: string) => created.get(path) ?? this.nodeIds.get(path);
    await this.driver.transaction(async (tx) => {
      for (const paths of byDepth) {
        if (paths === undefined) continue;
        for (let from = 0; from < paths.length; from += ROWS_PER_CALL) {
          await this.turn();
          await this.runPiece(() =>
            tx.runMany(
              insert,
              paths.slice(from, from + ROWS_PER_CALL).map((path) => {
                const cut = path.lastIndexOf("/");
                const parentPath = path === "" ? undefined : cut < 0 ? "" : path.slice(0, cut);
                const name = path === "" ? this.options.company : path.slice(cut + 1);
                return [
                  path,
                  levelOfPath(path),
                  name,
                  parentPath === undefined ? null : idOf(parentPath)!,
                ];
              }),
            ),
          );
        }
        for (let from = 0; from < paths.length; from += PATHS_PER_LOOKUP) {
          const some = paths.slice(from, from + PATHS_PER_LOOKUP);
          await this.turn();
          const found = await this.runPiece(() =>
            tx.all<{ id: number; path: string }>(
              `SELECT id, path FROM nodes WHERE path IN (${some.map(() => "?").join(", ")})`,
              some,
            ),
          );
          await this.turn();
          const unmatched = this.runPiece(() => {
            const ids = new Map(found.map((node) => [node.path, Number(node.id)]));
            const left: string[] = [];
            for (const path of some) {
              const id = ids.get(path);
              if (id === undefined) left.push(path);
              else created.set(path, id);
            }
            return left;
          });
          // MariaDB compares paths by its collation (case-insensitive by default): a path that
          // only matched another spelling is looked up the way it was inserted.
          for (const path of unmatched) {
            const one = await tx.all<{ id: number }>("SELECT id FROM nodes WHERE path = ?", [path]);
            created.set(path, Number(one[0]!.id));
          }
        }
      }
    });
    const entries = created.entries();
    for (let done = false; !done; ) {
      await this.turn();
      done = this.runPiece(() => {
        for (let n = 0; n < ROWS_PER_CALL; n++) {
          const next = entries.next();
          if (next.done === true) return true;
          this.nodeIds.set(next.value[0], next.value[1]);
        }
        return false;
      });
    }
  }

  private addToHour(hours: Map<string, HourAccumulator>, nodeId: number, row: PeriodRow): void {
    const local = this.calendar.periodsOf(row.periodStartMs);
    const key = `${nodeId}:${local.hourStartMs}`;
    let h = hours.get(key);
    if (h === undefined) {
      // Fields named one by one: an object spread here made a copy that costs more to collect.
      h = {
        nodeId,
        hourStartMs: local.hourStartMs,
        dayStartMs: local.dayStartMs,
        monthStartMs: local.monthStartMs,
        energyMwh: 0,
        returnedEnergyMwh: 0,
        peakPowerW: undefined,
        devices: undefined,
        observedAtMs: undefined,
      };
      hours.set(key, h);
    }
    h.energyMwh += row.energyDeltaMwh;
    h.returnedEnergyMwh += row.returnedEnergyDeltaMwh;
    if (row.peakPowerW !== undefined)
      h.peakPowerW = Math.max(h.peakPowerW ?? row.peakPowerW, row.peakPowerW);
    if (
      row.observedAtMs !== undefined &&
      (h.observedAtMs === undefined || row.observedAtMs >= h.observedAtMs)
    ) {
      h.observedAtMs = row.observedAtMs;
      h.devices = row.devices;
    }
  }

  private async meta(): Promise<Meta> {
    const rows = await this.driver.all<{ name: string; value: string }>(
      "SELECT name, value FROM coreflux_meta",
    );
    return Object.fromEntries(rows.map((r) => [r.name, r.value])) as Meta;
  }

  private async setMeta(name: string, value: string): Promise<void> {
    await this.driver.transaction((tx) => this.upsertMeta(tx, name, value));
  }

  private upsertMeta(
    tx: { run(sql: string, params: unknown[]): Promise<void> },
    name: string,
    value: string,
  ): Promise<void> {
    return tx.run(
      this.driver.dialect === "sqlite"
        ? "INSERT INTO coreflux_meta (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value"
        : "INSERT INTO coreflux_meta (name, value) VALUES (?, ?) ON DUPLICATE KEY UPDATE value = VALUES(value)",
      [name, value],
    );
  }

  private checkSetting(
    meta: Meta,
    key: "company" | "period_minutes" | "time_zone",
    want: string,
  ): void {
    const have = meta[key];
    if (have !== undefined && have !== want) {
      throw new HistoryError(
        "SETTINGS_MISMATCH",
        `${this.describe} was created with ${key} = ${JSON.stringify(have)}, the configuration says ${JSON.stringify(want)}: its rows cannot be continued with other settings; use another database (or set it back)`,
      );
    }
  }

  private checkOpen(): void {
    if (this.closed) throw new HistoryError("CLOSED", "the history store is closed");
  }
}

interface HourAccumulator {
  nodeId: number;
  hourStartMs: number;
  dayStartMs: number;
  monthStartMs: number;
  energyMwh: number;
  returnedEnergyMwh: number;
  peakPowerW: number | undefined;
  devices: PeriodRow["devices"];
  observedAtMs: number | undefined;
}

/** The parameters of a period row's statement, in the order of its placeholders. */
function periodParams(nodeId: number, row: PeriodRow): unknown[] {
  return [
    nodeId,
    toSqlTime(row.periodStartMs),
    row.energyMwh,
    row.returnedEnergyMwh,
    row.peakPowerW ?? null,
    row.devices?.online ?? null,
    row.devices?.stale ?? null,
    row.devices?.offline ?? null,
    row.observedAtMs === undefined ? null : toSqlTime(row.observedAtMs),
  ];
}

/**
 * True when `path` matches `pattern`: `/`-separated segments, `*` one segment, `**` any number of
 * segments (none included). `""` matches the company only.
 */
export function matchesPath(pattern: string, path: string): boolean {
  const want = pattern === "" ? [] : pattern.split("/");
  const have = path === "" ? [] : path.split("/");
  const match = (i: number, j: number): boolean => {
    if (i === want.length) return j === have.length;
    if (want[i] === "**") return match(i + 1, j) || (j < have.length && match(i, j + 1));
    return j < have.length && (want[i] === "*" || want[i] === have[j]) && match(i + 1, j + 1);
  };
  return match(0, 0);
}

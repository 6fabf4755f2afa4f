import { afterEach, describe, expect, it } from "vitest";
import { type HistoryStore, isRowSource, openHistory, type PeriodRow } from "../src";
import { ENGINES, type Scratch } from "./engines";

const H = 3_600_000;
const Q = 15 * 60_000;

function row(
  path: string,
  periodStartMs: number,
  energyMwh: number,
  extra: Partial<PeriodRow> = {},
): PeriodRow {
  return {
    path,
    periodStartMs,
    energyMwh,
    returnedEnergyMwh: 0,
    energyDeltaMwh: energyMwh,
    returnedEnergyDeltaMwh: 0,
    additive: false,
    peakPowerW: undefined,
    devices: undefined,
    observedAtMs: undefined,
    ...extra,
  };
}

/**
 * 2,600 devices in 26 rooms of 2 offices (more than 1,000 rows and 500 new paths per piece),
 * half absolute (`extra(d)` added) and half additive, over two periods of one hour from `t`.
 */
function largeBatchRows(t: number, extra: (d: number) => Partial<PeriodRow> = () => ({})) {
  const rows: PeriodRow[] = [];
  for (let d = 0; d < 2_600; d++) {
    const path = `Office${d % 2}/Room${d % 26}/Plug${d}`;
    rows.push(row(path, t, d + 1, extra(d)));
    rows.push(row(path, t + Q, 2, { additive: true, energyDeltaMwh: 2 }));
  }
  return rows;
}

/** A RowSource (batch 1) over `rows` that counts the rows it makes; with `path(i)` if `withPath`. */
function countingSource(rows: PeriodRow[], withPath: boolean) {
  const source = {
    seq: 1,
    rows,
    size: rows.length,
    made: 0,
    row(i: number): PeriodRow {
      source.made++;
      return { ...rows[i]! };
    },
    ...(withPath ? { path: (i: number) => rows[i]!.path } : {}),
  };
  return source;
}

describe.each(ENGINES)("history store on $engine", ({ scratch }) => {
  let db: Scratch | undefined;
  let store: HistoryStore | undefined;
  afterEach(async () => {
    await store?.close();
    await db?.drop();
    store = undefined;
    db = undefined;
  });

  const open = async (overrides: Partial<Parameters<typeof openHistory>[0]> = {}) => {
    db ??= await scratch();
    store = await openHistory({
      url: db.url,
      company: "Coreflux",
      periodMinutes: 15,
      timeZone: "Europe/Lisbon",
      ...overrides,
    });
    return store;
  };

  it("numbers the batches of each writer on their own (partitions sharing one database)", async () => {
    const porto = await open({ writer: "porto" });
    const t = Date.UTC(2026, 10, 3, 9, 0);
    expect(await porto.write({ seq: 1, rows: [row("Porto/Kitchen/Plug", t, 1000)] })).toBe(true);
    const lisbon = await openHistory({
      url: db!.url,
      company: "Coreflux",
      periodMinutes: 15,
      timeZone: "Europe/Lisbon",
      writer: "lisbon",
    });
    try {
      // Lisbon's first batch is not Porto's: written, and each writer keeps its own count.
      expect(await lisbon.write({ seq: 1, rows: [row("Lisbon/Lab/Em", t, 400)] })).toBe(true);
      expect(await lisbon.write({ seq: 1, rows: [row("Lisbon/Lab/Em", t, 400)] })).toBe(false);
      expect(await porto.lastBatchSeq()).toBe(1);
      expect(await lisbon.lastBatchSeq()).toBe(1);
      const rows = await lisbon.report({ fromMs: t, toMs: t + H, by: "period" });
      expect(rows.map((r) => [r.path, r.energyMwh])).toEqual([
        ["Lisbon/Lab/Em", 400],
        ["Porto/Kitchen/Plug", 1000],
      ]);
    } finally {
      await lisbon.close();
    }
    await expect(open({ writer: "a b" })).rejects.toThrow(/writer must be 1-48 letters/);
  });

  it("writes each batch exactly once: absolute rows replace, additive rows add, hours take the deltas", async () => {
    const s = await open();
    const t = Date.UTC(2026, 10, 3, 9, 0);
    expect(await s.lastBatchSeq()).toBe(0);
    expect(
      await s.write({
        seq: 1,
        rows: [row("Porto/Kitchen/Plug", t, 1000), row("Porto/Kitchen/Plug", t + Q, 250)],
      }),
    ).toBe(true);
    // The same period again, its value grown to 1500: written as is (the delta goes to the hour).
    expect(
      await s.write({
        seq: 2,
        rows: [row("Porto/Kitchen/Plug", t, 1500, { energyDeltaMwh: 500, peakPowerW: 820.5 })],
      }),
    ).toBe(true);
    // Offered again (a retry, a replay): skipped.
    expect(
      await s.write({
        seq: 2,
        rows: [row("Porto/Kitchen/Plug", t, 1500, { energyDeltaMwh: 500 })],
      }),
    ).toBe(false);
    expect(await s.write({ seq: 1, rows: [row("Porto/Kitchen/Plug", t, 1000)] })).toBe(false);
    // A period no longer tracked gets an amount added.
    expect(
      await s.write({
        seq: 3,
        rows: [row("Porto/Kitchen/Plug", t + Q, 7, { additive: true, energyDeltaMwh: 7 })],
      }),
    ).toBe(true);
    expect(await s.lastBatchSeq()).toBe(3);

    const periods = await s.report({
      fromMs: t,
      toMs: t + H,
      by: "period",
      path: "Porto/Kitchen/Plug",
    });
    expect(periods.map((r) => [r.periodStartMs - t, r.energyMwh])).toEqual([
      [0, 1500],
      [Q, 257],
    ]);
    expect(periods[0]!.peakPowerW).toBe(820.5);
    const hours = await s.report({ fromMs: t, toMs: t + H, by: "hour" });
    expect(hours).toEqual([
      {
        path: "Porto/Kitchen/Plug",
        level: "device",
        periodStartMs: t,
        energyMwh: 1757,
        returnedEnergyMwh: 0,
        peakPowerW: 820.5,
      },
    ]);
    const nodes = await s.nodes();
    expect(nodes.map((n) => [n.path, n.level, n.name])).toEqual([
      ["", "company", "Coreflux"],
      ["Porto", "office", "Porto"],
      ["Porto/Kitchen", "room", "Kitchen"],
      ["Porto/Kitchen/Plug", "device", "Plug"],
    ]);
    const byPath = new Map(nodes.map((n) => [n.path, n]));
    expect(byPath.get("Porto/Kitchen/Plug")!.parentId).toBe(byPath.get("Porto/Kitchen")!.id);
  });

  it("writes a batch larger than one statement list whole: new nodes a level at a time, every row once", async () => {
    const s = await open();
    const t = Date.UTC(2026, 10, 3, 9, 0);
    const rows = largeBatchRows(t);
    expect(await s.write({ seq: 1, rows })).toBe(true);
    expect(await s.write({ seq: 1, rows })).toBe(false);
    const nodes = await s.nodes();
    expect(nodes).toHaveLength(1 + 2 + 26 + 2_600);
    const byPath = new Map(nodes.map((n) => [n.path, n]));
    for (const n of nodes) {
      if (n.path === "") continue;
      const parent = n.path.includes("/") ? n.path.slice(0, n.path.lastIndexOf("/")) : "";
      expect(n.parentId).toBe(byPath.get(parent)!.id);
    }
    const hours = await s.report({ fromMs: t, toMs: t + H, by: "hour", level: "device" });
    expect(hours).toHaveLength(2_600);
    const sumMwh = hours.reduce((n, h) => n + h.energyMwh, 0);
    expect(sumMwh).toBe((2_600 * 2_601) / 2 + 2_600 * 2);
    const periods = await s.report({ fromMs: t, toMs: t + H, by: "period", level: "device" });
    expect(periods).toHaveLength(5_200);
  });

  it("writes a batch that makes its rows one at a time (a RowSource) as it writes their array, without asking for the array", async () => {
    const s = await open();
    const t = Date.UTC(2026, 10, 3, 9, 0);
    const rows = largeBatchRows(t, (d) => ({ peakPowerW: d, observedAtMs: t + d }));
    let made = 0;
    const source = {
      seq: 1,
      get rows(): PeriodRow[] {
        throw new Error("the store asked for every row at once");
      },
      size: rows.length,
      row(i: number): PeriodRow {
        made++;
        return { ...rows[i]! };
      },
    };
    expect(isRowSource(source)).toBe(true);
    expect(isRowSource({ seq: 2, rows })).toBe(false);
    expect(await s.write(source)).toBe(true);
    // Each row made a few times (the nodes, then each kind of row), never kept as an array.
    expect(made).toBeGreaterThanOrEqual(rows.length);
    const hours = await s.report({ fromMs: t, toMs: t + H, by: "hour", level: "device" });
    expect(hours).toHaveLength(2_600);
    expect(hours.reduce((n, h) => n + h.energyMwh, 0)).toBe((2_600 * 2_601) / 2 + 2_600 * 2);
    expect(Math.max(...hours.map((h) => h.peakPowerW ?? 0))).toBe(2_599);
    const periods = await s.report({ fromMs: t, toMs: t + H, by: "period", level: "device" });
    expect(periods).toHaveLength(5_200);
  });

  it("finds a RowSource's nodes by path(i) when it has one, making each row once less", async () => {
    const t = Date.UTC(2026, 10, 3, 9, 0);
    const rows = largeBatchRows(t, (d) => ({ peakPowerW: d }));
    const madeBy = async (withPath: boolean): Promise<number> => {
      const s = await open();
      const source = countingSource(rows, withPath);
      expect(await s.write(source)).toBe(true);
      const hours = await s.report({ fromMs: t, toMs: t + H, by: "hour", level: "device" });
      expect(hours.reduce((n, h) => n + h.energyMwh, 0)).toBe((2_600 * 2_601) / 2 + 2_600 * 2);
      await s.close();
      // A fresh database for the next run.
      await db?.drop();
      db = undefined;
      return source.made;
    };
    const withoutPath = await madeBy(false);
    const withPath = await madeBy(true);
    expect(withoutPath - withPath).toBe(rows.length);
  });

  it("makes each row once in the write, and only the additive ones a second time", async () => {
    const s = await open();
    const t = Date.UTC(2026, 10, 3, 9, 0);
    const rows = largeBatchRows(t);
    const additive = rows.filter((r) => r.additive).length;
    const source = countingSource(rows, true);
    expect(await s.write(source)).toBe(true);
    expect(source.made).toBe(rows.length + additive);
    const hours = await s.report({ fromMs: t, toMs: t + H, by: "hour", level: "device" });
    expect(hours.reduce((n, h) => n + h.energyMwh, 0)).toBe((2_600 * 2_601) / 2 + 2_600 * 2);
  });

  it("does a write's work in pieces run through its pace, a turn before each", async () => {
    const t = Date.UTC(2026, 10, 3, 9, 0);
    const rows = largeBatchRows(t, (d) => ({ peakPowerW: d }));
    let turns = 0;
    let pieces = 0;
    let inPiece = false;
    let outside = 0;
    let piecesSinceTurn = 0;
    const s = await open({
      pace: {
        turn: () => {
          turns++;
          piecesSinceTurn = 0;
          return new Promise((resolve) => setImmediate(resolve));
        },
        run: <T>(work: () => T): T => {
          pieces++;
          // One piece a turn: a piece never follows another without a turn between them.
          expect(piecesSinceTurn).toBe(0);
          piecesSinceTurn++;
          inPiece = true;
          try {
            return work();
          } finally {
            inPiece = false;
          }
        },
      },
    });
    const check = () => {
      if (!inPiece) outside++;
    };
    const source = {
      seq: 1,
      rows,
      size: rows.length,
      row(i: number): PeriodRow {
        check();
        return { ...rows[i]! };
      },
      path(i: number): string {
        check();
        return rows[i]!.path;
      },
    };
    expect(await s.write(source)).toBe(true);
    // Every row and path was made inside a piece; 5,200 rows of which 2,600 additive, 2,629
    // new nodes, 5,200 hours: dozens of pieces, not one.
    expect(outside).toBe(0);
    expect(pieces).toBeGreaterThanOrEqual(6 + 3 + 6 + 6);
    expect(turns).toBeGreaterThanOrEqual(pieces);
    const hours = await s.report({ fromMs: t, toMs: t + H, by: "hour", level: "device" });
    expect(hours.reduce((n, h) => n + h.energyMwh, 0)).toBe((2_600 * 2_601) / 2 + 2_600 * 2);
    expect(Math.max(...hours.map((h) => h.peakPowerW ?? 0))).toBe(2_599);
  });

  it("sums local days and months across DST: a 23-hour and a 25-hour day", async () => {
    const s = await open();
    // Europe/Lisbon: 2026-03-29 has 23 hours, 2026-10-25 has 25. One row of 1 Wh per quarter-hour.
    const rows: PeriodRow[] = [];
    const spring = Date.UTC(2026, 2, 29, 0, 0); // local midnight (UTC+0 before the change)
    const autumn = Date.UTC(2026, 9, 24, 23, 0); // local midnight (UTC+1 before the change)
    for (let t = spring - H; t < spring + 24 * H; t += Q) rows.push(row("Lisboa", t, 1000));
    for (let t = autumn - H; t < autumn + 26 * H; t += Q) rows.push(row("Lisboa", t, 1000));
    await s.write({ seq: 1, rows });
    const days = await s.report({
      fromMs: spring - H,
      toMs: autumn + 26 * H,
      by: "day",
      path: "Lisboa",
    });
    const byDay = new Map(days.map((d) => [new Date(d.periodStartMs).toISOString(), d.energyMwh]));
    expect(byDay.get("2026-03-29T00:00:00.000Z")).toBe(23 * 4 * 1000);
    expect(byDay.get("2026-03-29T23:00:00.000Z")).toBe(1 * 4 * 1000); // the next day began 23 h later
    expect(byDay.get("2026-10-24T23:00:00.000Z")).toBe(25 * 4 * 1000);
    const hours = await s.report({
      fromMs: autumn,
      toMs: autumn + 25 * H,
      by: "hour",
      path: "Lisboa",
    });
    expect(hours).toHaveLength(25); // the repeated 01:00 is two rows
    const months = await s.report({
      fromMs: Date.UTC(2026, 0, 1),
      toMs: Date.UTC(2027, 0, 1),
      by: "month",
      path: "Lisboa",
    });
    expect(months.map((m) => new Date(m.periodStartMs).toISOString())).toEqual([
      "2026-03-01T00:00:00.000Z", // March starts in winter time (UTC+0)
      "2026-09-30T23:00:00.000Z", // October starts in summer time (UTC+1)
    ]);
    expect(months.reduce((n, m) => n + m.energyMwh, 0)).toBe(rows.length * 1000);
  });

  it("keeps the latest device states and the highest power of a period", async () => {
    const s = await open();
    const t = Date.UTC(2026, 10, 3, 9, 0);
    await s.write({
      seq: 1,
      rows: [
        row("", t, 10, {
          peakPowerW: 500,
          devices: { online: 3, stale: 0, offline: 1 },
          observedAtMs: t + 60_000,
        }),
      ],
    });
    await s.write({
      seq: 2,
      rows: [
        row("", t, 20, {
          energyDeltaMwh: 10,
          peakPowerW: 200,
          devices: { online: 2, stale: 1, offline: 1 },
          observedAtMs: t + 120_000,
        }),
      ],
    });
    const [r] = await s.report({ fromMs: t, toMs: t + Q, by: "period", level: "company" });
    expect(r).toMatchObject({ path: "", energyMwh: 20, peakPowerW: 500 });
  });

  it("refuses a database made for other settings, and one from a newer version", async () => {
    const s = await open();
    await s.close();
    store = undefined;
    await expect(open({ periodMinutes: 5 })).rejects.toMatchObject({ code: "SETTINGS_MISMATCH" });
    await expect(open({ timeZone: "Europe/Berlin" })).rejects.toMatchObject({
      code: "SETTINGS_MISMATCH",
    });
    await expect(open({ company: "Other" })).rejects.toMatchObject({ code: "SETTINGS_MISMATCH" });
    const again = await open();
    // Pretend a later version migrated it.
    await (again as unknown as { setMeta(n: string, v: string): Promise<void> }).setMeta(
      "schema_version",
      "99",
    );
    await again.close();
    store = undefined;
    await expect(open()).rejects.toMatchObject({ code: "SCHEMA_TOO_NEW" });
  });

  it("deletes old period rows in small batches and keeps the hours", async () => {
    const s = await open();
    const t = Date.UTC(2026, 10, 3, 0, 0);
    const rows: PeriodRow[] = [];
    for (let i = 0; i < 20; i++) rows.push(row("Porto", t + i * Q, 5));
    await s.write({ seq: 1, rows });
    expect(await s.pruneFine(t + 10 * Q, 4)).toBe(4);
    expect(await s.pruneFine(t + 10 * Q, 100)).toBe(6);
    expect(await s.pruneFine(t + 10 * Q, 100)).toBe(0);
    expect(await s.report({ fromMs: t, toMs: t + 20 * Q, by: "period" })).toHaveLength(10);
    const hours = await s.report({ fromMs: t, toMs: t + 20 * Q, by: "hour" });
    expect(hours.reduce((n, h) => n + h.energyMwh, 0)).toBe(100);
  });
});

describe("openHistory arguments", () => {
  it("rejects bad URLs, widths and zones with typed errors", async () => {
    const base = { company: "C", periodMinutes: 15 as const, timeZone: "UTC" };
    await expect(openHistory({ ...base, url: "postgres://x@y/z" })).rejects.toMatchObject({
      code: "INVALID_URL",
    });
    await expect(openHistory({ ...base, url: "sqlite:" })).rejects.toMatchObject({
      code: "INVALID_URL",
    });
    await expect(openHistory({ ...base, url: "mariadb://host:3306/" })).rejects.toMatchObject({
      code: "INVALID_URL",
    });
    await expect(
      openHistory({ ...base, url: "sqlite::memory:", periodMinutes: 7 as never }),
    ).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
    await expect(
      openHistory({ ...base, url: "sqlite::memory:", timeZone: "Mars/Olympus" }),
    ).rejects.toMatchObject({
      code: "INVALID_ARGUMENT",
    });
    // India is UTC+5:30: hourly periods aligned to UTC straddle its local hours.
    await expect(
      openHistory({ ...base, url: "sqlite::memory:", timeZone: "Asia/Kolkata", periodMinutes: 60 }),
    ).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
    const ok = await openHistory({ ...base, url: "sqlite::memory:", timeZone: "Asia/Kathmandu" });
    await ok.close();
  });

  it("says clearly when MariaDB cannot be reached", async () => {
    await expect(
      openHistory({
        url: "mariadb://root@127.0.0.1:1/nothing",
        company: "C",
        periodMinutes: 15,
        timeZone: "UTC",
        connectTimeoutMs: 1000,
      }),
    ).rejects.toMatchObject({ code: "CONNECT_FAILED" });
  });
});

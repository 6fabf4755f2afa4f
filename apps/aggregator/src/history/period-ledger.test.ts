import type { HistoryBatch, PeriodRow } from "@coreflux/history";
import { describe, expect, it } from "vitest";
import { mergeBatches } from "./merge-batches";
import { PathTable } from "./packed-state";
import { PeriodLedger } from "./period-ledger";

const M = 60_000;
const T0 = Date.UTC(2026, 10, 3, 9, 0);
const DEVICE = ["Porto/Kitchen/Plug", "Porto/Kitchen", "Porto", ""];

/** What a database holding `batches` (applied in order) says, by "slot|path". */
function apply(batches: readonly (HistoryBatch | undefined)[]): Map<string, number> {
  const db = new Map<string, number>();
  for (const b of batches) {
    for (const r of b?.rows ?? []) {
      const k = `${r.periodStartMs - T0}|${r.path}`;
      db.set(k, r.additive ? (db.get(k) ?? 0) + r.energyMwh : r.energyMwh);
    }
  }
  return db;
}

const energyRows = (b: HistoryBatch | undefined): PeriodRow[] =>
  (b?.rows ?? []).filter((r) => r.energyMwh !== 0);

describe("PeriodLedger", () => {
  it("credits a device and every ancestor alike, absolute while the period is tracked", () => {
    const ledger = new PeriodLedger(M, T0 - M); // tracks from T0 on
    ledger.credit(DEVICE, T0, 500, 0);
    const b1 = ledger.cut(T0 + 10_000);
    expect(b1?.seq).toBe(1);
    expect(energyRows(b1).map((r) => [r.path, r.energyMwh, r.energyDeltaMwh, r.additive])).toEqual(
      DEVICE.map((p) => [p, 500, 500, false]),
    );
    ledger.credit(DEVICE, T0, 250, 0);
    const b2 = ledger.cut(T0 + 20_000);
    // The whole period's value, and what changed since the last batch.
    expect(energyRows(b2).map((r) => [r.energyMwh, r.energyDeltaMwh])).toEqual(
      DEVICE.map(() => [750, 250]),
    );
    expect(ledger.cut(T0 + 30_000)).toBeUndefined();
  });

  it("cuts at most maxRows rows, first changed first, and moves the floor only with the last", () => {
    const ledger = new PeriodLedger(M, T0 - M);
    const OTHER = ["Porto/Hall/Lamp", "Porto/Hall", "Porto", ""];
    ledger.credit(DEVICE, T0, 100, 0);
    ledger.credit(OTHER, T0, 10, 0);
    // 6 entries changed (two devices, two rooms, the office and the company).
    expect(ledger.changedRows).toBe(6);
    const first = ledger.cut(T0 + 5 * M, undefined, 4);
    expect(first?.rows.map((r) => [r.path, r.energyMwh])).toEqual(
      DEVICE.map((p, i) => [p, i < 2 ? 100 : 110]),
    );
    expect(ledger.changedRows).toBe(2);
    // The floor stayed: T0 is still tracked, a credit to it is absolute, not an amount to add.
    ledger.credit(DEVICE, T0, 5, 0);
    expect(ledger.changedRows).toBe(6);
    const second = ledger.cut(T0 + 5 * M, undefined, 4);
    expect(second?.rows.map((r) => r.path)).toEqual([
      "Porto/Hall/Lamp",
      "Porto/Hall",
      ...DEVICE.slice(0, 2),
    ]);
    expect(second?.rows.every((r) => !r.additive)).toBe(true);
    // The rest in the last cut, which moves the floor: T0 is forgotten after it.
    const last = ledger.cut(T0 + 5 * M);
    expect(last?.rows.map((r) => [r.path, r.energyMwh, r.energyDeltaMwh])).toEqual([
      ["Porto", 115, 5],
      ["", 115, 5],
    ]);
    expect(ledger.size).toBe(0);
    const db = apply([first, second, last]);
    expect(db.get("0|")).toBe(115);
    expect(db.get("0|Porto/Kitchen/Plug")).toBe(105);
    expect(db.get("0|Porto/Hall/Lamp")).toBe(10);
  });

  it("cuts amounts for untracked periods short too, and adds up what comes after", () => {
    const ledger = new PeriodLedger(M, T0 + 30_000); // T0's period is not tracked
    const OTHER = ["Porto/Hall/Lamp", "Porto/Hall", "Porto", ""];
    ledger.credit(DEVICE, T0, 100, 0);
    ledger.credit(OTHER, T0, 10, 0);
    const first = ledger.cut(T0 + 40_000, undefined, 4);
    expect(first?.rows.map((r) => [r.path, r.energyMwh, r.additive])).toEqual(
      DEVICE.map((p, i) => [p, i < 2 ? 100 : 110, true]),
    );
    expect(ledger.changedRows).toBe(2);
    // An amount already cut starts again from zero; one still waiting grows.
    ledger.credit(DEVICE, T0, 5, 0);
    const rest = ledger.cut(T0 + 40_000);
    expect(rest?.rows.map((r) => [r.path, r.energyMwh])).toEqual([
      ["Porto/Hall/Lamp", 10],
      ["Porto/Hall", 10],
      ["Porto/Kitchen/Plug", 5],
      ["Porto/Kitchen", 5],
      ["Porto", 5],
      ["", 5],
    ]);
    const db = apply([first, rest]);
    expect(db.get("0|")).toBe(115);
    expect(db.get("0|Porto")).toBe(115);
    expect(db.get("0|Porto/Kitchen/Plug")).toBe(105);
    expect(db.get("0|Porto/Hall")).toBe(10);
  });

  it("adds to a period it no longer tracks (a device back after an outage)", () => {
    const ledger = new PeriodLedger(M, T0 - M);
    ledger.credit(DEVICE, T0, 100, 0);
    const b1 = ledger.cut(T0 + 5 * M); // the floor moves to T0 + 4 min: T0 is forgotten
    ledger.credit(DEVICE, T0, 40, 0);
    ledger.credit(DEVICE, T0 + 5 * M, 60, 0);
    const b2 = ledger.cut(T0 + 5 * M + 1);
    const late = b2!.rows.filter((r) => r.periodStartMs === T0);
    expect(late.every((r) => r.additive && r.energyMwh === 40 && r.energyDeltaMwh === 40)).toBe(
      true,
    );
    const db = apply([b1, b2]);
    expect(db.get("0|")).toBe(140);
    expect(db.get(`${5 * M}|Porto/Kitchen/Plug`)).toBe(60);
  });

  it("starts by adding (the current period may hold rows of an earlier run), then tracks whole periods", () => {
    const ledger = new PeriodLedger(M, T0 + 30_000);
    ledger.credit(DEVICE, T0, 10, 0);
    ledger.credit(DEVICE, T0 + M, 20, 0);
    const rows = ledger.cut(T0 + M + 1)!.rows;
    expect(rows.find((r) => r.periodStartMs === T0 && r.path === "")).toMatchObject({
      additive: true,
      energyMwh: 10,
    });
    expect(rows.find((r) => r.periodStartMs === T0 + M && r.path === "")).toMatchObject({
      additive: false,
      energyMwh: 20,
    });
  });

  it("a restored ledger continues exactly where the snapshot was taken", () => {
    const a = new PeriodLedger(M, T0 - M);
    a.credit(DEVICE, T0, 300, 7);
    a.observe("", T0 + 1000, 1200, { online: 3, stale: 0, offline: 0 });
    const first = a.cut(T0 + 2000);
    const saved = JSON.parse(JSON.stringify(a.snapshot()));
    const b = new PeriodLedger(M, T0 + 3000, saved);
    b.credit(DEVICE, T0, 5, 0);
    a.credit(DEVICE, T0, 5, 0);
    const [fromB, fromA] = [b.cut(T0 + 4000), a.cut(T0 + 4000)];
    expect(fromB?.seq).toBe(fromA?.seq);
    expect(fromB?.rows).toEqual(fromA?.rows);
    expect(fromB?.rows.length).toBeGreaterThan(0);
    expect(b.upcomingSeq).toBe(3);
    expect(apply([first, b.cut(T0 + 5000)]).get("0|")).toBe(300);
  });

  it("keeps the highest power and the latest states of a period", () => {
    const ledger = new PeriodLedger(M, T0 - M);
    ledger.observe("Porto", T0 + 1000, 800, { online: 2, stale: 0, offline: 0 });
    ledger.observe("Porto", T0 + 2000, 300, { online: 1, stale: 1, offline: 0 });
    const [row] = ledger.cut(T0 + 3000)!.rows;
    expect(row).toMatchObject({
      peakPowerW: 800,
      devices: { online: 1, stale: 1, offline: 0 },
      observedAtMs: T0 + 2000,
    });
  });
});

describe("PeriodLedger growth made ahead", () => {
  it("makes the next arrays resident in slices from three quarters full, and grows into them with the same contents", () => {
    const prepared = new PeriodLedger(M, T0 - M);
    const plain = new PeriodLedger(M, T0 - M);
    const add = (from: number, to: number) => {
      for (const ledger of [prepared, plain]) {
        for (let d = from; d < to; d++) ledger.credit([`Office/Room/D${d}`], T0, d + 1, 0);
        ledger.cut(T0 + 1_000);
      }
    };
    add(0, 700); // 700 of the 1,024 entries the packed arrays start with
    expect(prepared.prepareGrowth(10_000)).toBe(false);
    add(700, 800);
    let calls = 0;
    while (prepared.prepareGrowth(10_000)) calls++;
    // The packed ledger's next arrays (2,048 entries: 136 KB), then the entry columns' (2,048
    // entries of 3 ints and 10 numbers: 184 KB), 10,000 bytes a call.
    expect(calls).toBeGreaterThanOrEqual(Math.floor((139_264 + 188_416) / 10_000) - 1);
    add(800, 3_000); // past 1,024 (into the prepared arrays) and past 2,048 (fresh ones)
    expect(prepared.pack()).toEqual(plain.pack());
    expect(prepared.snapshot()).toEqual(plain.snapshot());
    expect(prepared.packedEntries).toBe(3_000);
  });
});

describe("mergeBatches", () => {
  it("has the effect of its parts applied in order", () => {
    const ledger = new PeriodLedger(M, T0 - M);
    const batches: (HistoryBatch | undefined)[] = [];
    for (let i = 0; i < 12; i++) {
      ledger.credit(DEVICE, T0 + Math.floor(i / 3) * M, 10 + i, i % 2);
      if (i === 7) ledger.credit(DEVICE, T0, 1, 0); // late, once the floor has passed T0
      batches.push(ledger.cut(T0 + Math.floor(i / 3) * M + 1));
    }
    const parts = batches.filter((b): b is HistoryBatch => b !== undefined);
    const merged = mergeBatches(parts, new PathTable());
    expect(merged.seq).toBe(parts[parts.length - 1]!.seq);
    expect(apply([merged])).toEqual(apply(parts));
    const deltas = (bs: readonly HistoryBatch[]) =>
      bs.flatMap((b) => b.rows).reduce((n, r) => n + r.energyDeltaMwh, 0);
    expect(deltas([merged])).toBe(deltas(parts));
  });
});

import type { HistoryBatch, PeriodRow } from "@coreflux/history";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { mergeBatches } from "./merge-batches";
import { PackedBatch, PathTable, packBatch } from "./packed-state";

/**
 * What merging means, row by row with objects (how the queue merged before it merged packed
 * numbers): `b` applied after `a` for each node and period, in order of first appearance.
 */
function mergedRows(batches: readonly HistoryBatch[]): PeriodRow[] {
  const byKey = new Map<string, PeriodRow>();
  for (const batch of batches) {
    for (const b of batch.rows) {
      const key = `${b.periodStartMs}|${b.path}`;
      const a = byKey.get(key);
      if (a === undefined) {
        byKey.set(key, { ...b });
        continue;
      }
      const latest = (b.observedAtMs ?? -1) >= (a.observedAtMs ?? -1) ? b : a;
      const peaks = [a.peakPowerW, b.peakPowerW].filter((p): p is number => p !== undefined);
      byKey.set(key, {
        path: a.path,
        periodStartMs: a.periodStartMs,
        energyMwh: b.additive ? a.energyMwh + b.energyMwh : b.energyMwh,
        returnedEnergyMwh: b.additive
          ? a.returnedEnergyMwh + b.returnedEnergyMwh
          : b.returnedEnergyMwh,
        energyDeltaMwh: a.energyDeltaMwh + b.energyDeltaMwh,
        returnedEnergyDeltaMwh: a.returnedEnergyDeltaMwh + b.returnedEnergyDeltaMwh,
        additive: a.additive && b.additive,
        peakPowerW: peaks.length === 0 ? undefined : Math.max(...peaks),
        devices: latest.devices,
        observedAtMs: latest.observedAtMs,
      });
    }
  }
  return [...byKey.values()];
}

const PATHS = ["", "Porto", "Porto/Lab", "Porto/Lab/Plug", "Lisbon", "Lisbon/Hall/Em"];
const T0 = Date.UTC(2026, 11, 6, 9, 0);

const row = fc.record({
  path: fc.constantFrom(...PATHS),
  periodStartMs: fc.constantFrom(T0, T0 + 60_000, T0 + 120_000),
  energyMwh: fc.integer({ min: 0, max: 1_000_000 }),
  returnedEnergyMwh: fc.integer({ min: 0, max: 1_000 }),
  energyDeltaMwh: fc.integer({ min: 0, max: 10_000 }),
  returnedEnergyDeltaMwh: fc.integer({ min: 0, max: 100 }),
  additive: fc.boolean(),
  peakPowerW: fc.option(fc.double({ min: 0, max: 3_680, noNaN: true }), { nil: undefined }),
  devices: fc.option(
    fc.record({
      online: fc.nat(5),
      stale: fc.nat(5),
      offline: fc.nat(5),
    }),
    { nil: undefined },
  ),
  // Few instants, so that ties (the later row wins) and unobserved rows (-1) come up.
  observedAtMs: fc.option(fc.constantFrom(T0 + 1, T0 + 2, T0 + 3), { nil: undefined }),
});

/** Each batch as rows, packed in the merge's table, or packed in a table of its own. */
const form = fc.constantFrom("rows", "packed", "other table");

describe("mergeBatches", () => {
  it("has the effect of the object merge, whatever form the batches come in", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.array(row, { maxLength: 12 }), form), {
          minLength: 1,
          maxLength: 8,
        }),
        (parts) => {
          const table = new PathTable();
          const batches: HistoryBatch[] = parts.map(([rows, how], i) => {
            const seq = i + 1;
            if (how === "rows") return { seq, rows };
            const into = how === "packed" ? table : new PathTable();
            const p = packBatch({ seq, rows }, into);
            return new PackedBatch(seq, p.path, p.values, into.paths);
          });
          const merged = mergeBatches(batches, table);
          expect(merged.seq).toBe(batches.length);
          expect(merged.pathTable).toBe(table.paths);
          expect(merged.rows).toEqual(mergedRows(batches));
        },
      ),
      { numRuns: 300 },
    );
  });

  it("merges a batch with itself into rows of one node and period each", () => {
    const rows: PeriodRow[] = [
      {
        path: "Porto",
        periodStartMs: T0,
        energyMwh: 5,
        returnedEnergyMwh: 0,
        energyDeltaMwh: 5,
        returnedEnergyDeltaMwh: 0,
        additive: true,
        peakPowerW: undefined,
        devices: undefined,
        observedAtMs: undefined,
      },
    ];
    const merged = mergeBatches(
      [
        { seq: 1, rows },
        { seq: 2, rows },
      ],
      new PathTable(),
    );
    expect(merged.rows).toEqual([{ ...rows[0], energyMwh: 10, energyDeltaMwh: 10 }]);
  });

  it("throws on no batches", () => {
    expect(() => mergeBatches([], new PathTable())).toThrow(/at least one batch/);
  });
});

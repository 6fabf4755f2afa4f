import { describe, expect, it } from "vitest";
import type { HistoryRow } from "./api";
import { stackRows } from "./series";

const row = (path: string, periodStartMs: number, energyWh: number): HistoryRow => ({
  path,
  periodStart: new Date(periodStartMs).toISOString(),
  periodStartMs,
  energyWh,
  returnedEnergyWh: 0,
});

describe("stackRows", () => {
  it("aligns children on the buckets, fills gaps with 0 and stacks them in the tree's order", () => {
    const rows = [
      row("Porto/Lab", 2000, 0.2),
      row("Porto/Kitchen", 1000, 0.1),
      row("Porto/Kitchen", 2000, 0.1),
      row("Porto/Attic", 1000, 5),
    ];
    const data = stackRows(rows, ["Porto/Kitchen", "Porto/Lab"], new Map([["Porto/Lab", "Lab"]]));
    expect(data.xs).toEqual([1000, 2000]);
    expect(data.series.map((s) => [s.path, s.label, s.values])).toEqual([
      ["Porto/Kitchen", "Kitchen", [0.1, 0.1]],
      ["Porto/Lab", "Lab", [0, 0.2]],
      ["Porto/Attic", "Attic", [5, 0]],
    ]);
    expect(data.stacks).toEqual([
      [0.1, 0.1],
      [0.1, 0.3],
      [5.1, 0.3],
    ]);
    expect(data.totals).toEqual([5.1, 0.3]);
  });

  it("adds up rows of the same path and bucket, and is empty without rows", () => {
    const data = stackRows([row("A", 1, 1.001), row("A", 1, 2.002)], [], new Map());
    expect(data.series[0]?.values).toEqual([3.003]);
    expect(stackRows([], ["A"], new Map())).toEqual({ xs: [], series: [], stacks: [], totals: [] });
  });
});

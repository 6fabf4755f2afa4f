import { describe, expect, it } from "vitest";
import { expectSumsHold, MINUTE, T0 } from "../test/helpers";
import { NodeColumns } from "./columns";
import type { GrowthPlan } from "./growable";
import { EnergyEngine } from "./index";

/** The plan a table holds (white box: the test looks at where the columns moved). */
const planOf = (table: NodeColumns) =>
  (table as unknown as { growth: { plan?: GrowthPlan } }).growth.plan;

describe("growth prepared ahead", () => {
  it("plans nothing while a table has room, then grows into the storage it made resident", () => {
    const nodes = new NodeColumns();
    for (let k = 0; k < 13; k++) nodes.add(`n${k}`, k - 1);
    // 13 of 16: below seven eighths.
    expect(nodes.prepareGrowth(1 << 20)).toBe(false);
    expect(planOf(nodes)).toBeUndefined();
    nodes.add("n13", 12);
    expect(nodes.prepareGrowth(64)).toBe(true);
    let turns = 1;
    while (nodes.prepareGrowth(64)) turns++;
    expect(turns).toBeGreaterThan(10);
    const plan = planOf(nodes)!;
    expect(plan.capacity).toBe(32);
    nodes.energyMwh.data[11] = 1234;
    for (let k = 14; k < 20; k++) nodes.add(`n${k}`, k - 1);
    expect(nodes.parent.data.buffer).toBe(plan.buffer);
    expect(nodes.energyMwh.data.buffer).toBe(plan.buffer);
    expect(nodes.parent.data.length).toBe(32);
    expect(planOf(nodes)).toBeUndefined();
    expect([nodes.parent.data[11], nodes.parent.data[19], nodes.parent.data[31]]).toEqual([
      10, 18, -1,
    ]);
    expect(nodes.energyMwh.data[11]).toBe(1234);
  });

  it("plans nothing for a table that is full but no longer growing (a restored engine)", () => {
    const nodes = new NodeColumns();
    for (let k = 0; k < 15; k++) nodes.add(`n${k}`, k - 1);
    expect(nodes.prepareGrowth(1 << 20)).toBe(false);
    expect(nodes.prepareGrowth(1 << 20)).toBe(false);
    expect(planOf(nodes)).toBeUndefined();
    // It grows again: the plan starts, and is finished even if it then stops growing.
    nodes.add("n15", 14);
    expect(nodes.prepareGrowth(64)).toBe(true);
    while (nodes.prepareGrowth(64));
    expect(planOf(nodes)?.resident).toBe(true);
  });

  it("changes nothing a reader sees, whenever and however little it runs", () => {
    const readings = (engine: EnergyEngine, prepare?: (step: number) => void) => {
      let step = 0;
      for (let round = 0; round < 3; round++) {
        for (let d = 0; d < 300; d++) {
          const path = ["Acme", `office${d % 3}`, `room${d % 17}`, `plug${d}`];
          for (const id of d % 4 === 0 ? ["switch:0", "switch:1"] : ["switch:0"]) {
            const found = engine.meter(path, id);
            if (!found.ok) throw new Error(found.reason);
            engine.ingest(found.meter, {
              tsMs: T0 + round * MINUTE + d,
              energyWh: 1000 + d + round * 1.5,
              powerW: 90,
            });
            prepare?.(step++);
          }
        }
      }
    };
    const plain = new EnergyEngine();
    readings(plain);
    const prepared = new EnergyEngine();
    let worked = 0;
    readings(prepared, (step) => {
      if (prepared.prepareGrowth(1 + ((step * 37) % 700))) worked++;
    });
    expect(worked).toBeGreaterThan(0);
    expect(prepared.prepareGrowth(Number.NaN)).toBe(false);
    expect(prepared.prepareGrowth(-1)).toBe(false);
    expect(prepared.snapshot()).toEqual(plain.snapshot());
    expectSumsHold(prepared, T0 + 3 * MINUTE);
    const restored = EnergyEngine.restore(JSON.parse(JSON.stringify(prepared.snapshot())));
    if (!restored.ok) throw new Error(restored.error.message);
    // A restored engine prepares and grows the same way.
    while (restored.engine.prepareGrowth(4096));
    readings(restored.engine);
    readings(plain);
    expect(restored.engine.snapshot()).toEqual(plain.snapshot());
  });
});

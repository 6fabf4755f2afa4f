import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { openHistory, type PeriodRow } from "../src";

const settings = { company: "Coreflux", periodMinutes: 1 as const, timeZone: "UTC" };

describe("SQLite in WAL mode", () => {
  it("a reader (the report, a web view) reads consistent sums while the writer writes", async () => {
    const dir = mkdtempSync(join(tmpdir(), "coreflux-history-wal-"));
    const url = `sqlite:${join(dir, "history.db")}`;
    try {
      const writer = await openHistory({ url, ...settings });
      const reader = await openHistory({ url, ...settings, readOnly: true });
      const t = Date.UTC(2026, 10, 3, 9);
      const rows = (seq: number): PeriodRow[] =>
        ["Porto/Kitchen/Plug", "Porto/Kitchen", "Porto", ""].map((path) => ({
          path,
          periodStartMs: t + seq * 60_000,
          energyMwh: 1000,
          returnedEnergyMwh: 0,
          energyDeltaMwh: 1000,
          returnedEnergyDeltaMwh: 0,
          additive: false,
          peakPowerW: undefined,
          devices: undefined,
          observedAtMs: undefined,
        }));
      let writing = true;
      const writes = (async () => {
        for (let seq = 1; seq <= 300; seq++) {
          await writer.write({ seq, rows: rows(seq) });
          await new Promise((r) => setImmediate(r)); // the next publish cycle
        }
        writing = false;
      })();
      let reads = 0;
      while (writing) {
        const sums = await reader.report({ fromMs: t, toMs: t + 1000 * 60_000, by: "hour" });
        // Each batch is one transaction: a reader never sees a device without its ancestors.
        const byHour = new Map<number, Set<number>>();
        for (const r of sums) {
          const set = byHour.get(r.periodStartMs) ?? new Set<number>();
          set.add(r.energyMwh);
          byHour.set(r.periodStartMs, set);
        }
        for (const set of byHour.values()) expect(set.size).toBe(1);
        reads++;
        await new Promise((r) => setImmediate(r));
      }
      await writes;
      expect(reads).toBeGreaterThan(10);
      const final = await reader.report({ fromMs: t, toMs: t + 1000 * 60_000, by: "day" });
      expect(final.map((r) => r.energyMwh)).toEqual([300_000, 300_000, 300_000, 300_000]);
      await reader.close();
      await writer.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

// Writes two cycles of rows for a small tree into a SQLite file and reads them back by local
// day. Run: node examples/report.mjs (after `pnpm build`, or with the package installed).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openHistory } from "@coreflux/history";

const dir = mkdtempSync(join(tmpdir(), "coreflux-history-example-"));
const store = await openHistory({
  url: `sqlite:${join(dir, "history.db")}`,
  company: "Coreflux",
  periodMinutes: 15,
  timeZone: "Europe/Lisbon",
});

const period = Date.UTC(2026, 10, 3, 9, 0); // 09:00 in Lisbon (UTC+0 in November)
const row = (path, energyMwh, energyDeltaMwh) => ({
  path,
  periodStartMs: period,
  energyMwh, // the period's whole value so far
  returnedEnergyMwh: 0,
  energyDeltaMwh, // what changed since the previous batch (goes to the hour row)
  returnedEnergyDeltaMwh: 0,
  additive: false,
  peakPowerW: 1520.3,
  devices: { online: 1, stale: 0, offline: 0 },
  observedAtMs: period + 60_000,
});
// A parent's row is the sum of its children's: the caller credits every ancestor alike.
const tree = ["Porto/Kitchen/Kettle", "Porto/Kitchen", "Porto", ""];
await store.write({ seq: 1, rows: tree.map((p) => row(p, 25_338, 25_338)) });
await store.write({ seq: 2, rows: tree.map((p) => row(p, 51_002, 25_664)) });
console.log(await store.write({ seq: 2, rows: [] })); // false: batch 2 was applied already

const days = await store.report({
  fromMs: store.calendar.instantOf(2026, 11, 3),
  toMs: store.calendar.instantOf(2026, 11, 4),
  by: "day",
  level: "room",
});
console.log(days);
// [{ path: "Porto/Kitchen", level: "room", periodStartMs: 1793750400000, energyMwh: 51002, ... }]
await store.close();
rmSync(dir, { recursive: true, force: true });

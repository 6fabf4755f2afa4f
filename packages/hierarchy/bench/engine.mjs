// Benchmarks of @coreflux/hierarchy (built dist). Run: pnpm --filter @coreflux/hierarchy bench
// Options: --meters=1000,10000,100000,1000000 --json (machine-readable output only)
// Run with --expose-gc for heap figures (the package script does).
import { cpus, totalmem } from "node:os";
import { performance } from "node:perf_hooks";
import { createEnergyEngine, EnergyEngine } from "../dist/index.js";

const args = Object.fromEntries(
  process.argv.slice(2).map((a) => {
    const [k, v] = a.replace(/^--/, "").split("=");
    return [k, v ?? "true"];
  }),
);
const sizes = (args.meters ?? "1000,10000,100000,1000000").split(",").map(Number);
const gc = globalThis.gc;
const T0 = Date.UTC(2026, 5, 11, 8, 0, 0);

/** company/office/room/device with one meter per device, offices × rooms × devices = meters. */
function build(meters) {
  const engine = createEnergyEngine({ timeZone: "Europe/Lisbon" });
  const handles = new Int32Array(meters);
  const devicesPerRoom = 20;
  const roomsPerOffice = 50;
  for (let i = 0; i < meters; i++) {
    const device = i % devicesPerRoom;
    const room = Math.floor(i / devicesPerRoom) % roomsPerOffice;
    const office = Math.floor(i / (devicesPerRoom * roomsPerOffice));
    const found = engine.meter(
      ["Coreflux", `Office${office}`, `Room${room}`, `Device${device}`],
      "switch:0",
    );
    handles[i] = found.meter;
  }
  return { engine, handles };
}

/** JS heap plus typed-array backing stores (which live outside the JS heap), after GC. */
function heapUsed() {
  gc?.();
  gc?.();
  const { heapUsed, arrayBuffers } = process.memoryUsage();
  return heapUsed + arrayBuffers;
}

function bench(meters) {
  const before = heapUsed();
  const t0 = performance.now();
  const { engine, handles } = build(meters);
  const buildMs = performance.now() - t0;

  // First reading of every meter (references), then rounds of increases every 10 s.
  for (let i = 0; i < meters; i++) engine.ingestValues(handles[i], T0, 1000 + (i % 97), 50);
  const rounds = Math.max(3, Math.ceil(3_000_000 / meters));
  const start = performance.now();
  for (let r = 1; r <= rounds; r++) {
    const tsMs = T0 + r * 10_000;
    for (let i = 0; i < meters; i++) {
      engine.ingestValues(handles[i], tsMs, 1000 + (i % 97) + r * 0.0125, 45 + (r & 7));
    }
  }
  const ingestMs = performance.now() - start;
  const readings = rounds * meters;
  const tsEnd = T0 + rounds * 10_000;
  engine.takeChanges(tsEnd);

  const heapPerMeterB = (heapUsed() - before) / meters;

  // 1 % of the meters change, then collect the changed nodes.
  const changedMeters = Math.max(1, Math.floor(meters / 100));
  for (let i = 0; i < changedMeters; i++) {
    const m = (i * 7919) % meters;
    engine.ingestValues(handles[m], tsEnd + 1000, 1000 + (m % 97) + rounds * 0.0125 + 0.5, 60);
  }
  const c0 = performance.now();
  const changed = engine.takeChanges(tsEnd + 1000);
  const views = changed.map((id) => engine.view(id, tsEnd + 1000));
  const collectMs = performance.now() - c0;

  const s0 = performance.now();
  const json = JSON.stringify(engine.snapshot());
  const snapshotMs = performance.now() - s0;
  const r0 = performance.now();
  const restored = EnergyEngine.restore(JSON.parse(json), { timeZone: "Europe/Lisbon" });
  const restoreMs = performance.now() - r0;
  if (!restored.ok) throw new Error(restored.error.message);
  const company = engine.findNode(["Coreflux"]);
  if (restored.engine.view(company, tsEnd).energyMwh !== engine.view(company, tsEnd).energyMwh) {
    throw new Error("restore changed the totals");
  }
  return {
    meters,
    nodes: engine.nodeCount,
    buildMs: Math.round(buildMs),
    readings,
    readingsPerS: Math.round(readings / (ingestMs / 1000)),
    heapPerMeterB: gc ? Math.round(heapPerMeterB) : null,
    changedNodes: views.length,
    collectChangedMs: Number(collectMs.toFixed(2)),
    snapshotMs: Math.round(snapshotMs),
    snapshotMB: Number((json.length / 1e6).toFixed(1)),
    restoreMs: Math.round(restoreMs),
  };
}

const results = sizes.map(bench);
const machine = {
  date: new Date().toISOString().slice(0, 10),
  cpu: cpus()[0]?.model ?? "unknown",
  cores: cpus().length,
  memoryGiB: Math.round(totalmem() / 2 ** 30),
  node: process.version,
};
if (args.json) {
  process.stdout.write(`${JSON.stringify({ machine, results }, null, 2)}\n`);
} else {
  console.log(
    `${machine.date} · ${machine.cpu} · ${machine.cores} cores · ${machine.memoryGiB} GiB · Node ${machine.node}`,
  );
  console.table(results);
}

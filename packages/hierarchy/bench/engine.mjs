// Benchmarks of @coreflux/hierarchy (built dist). Run: pnpm --filter @coreflux/hierarchy bench
// Options: --meters=1000,10000,100000,1000000 --json (machine-readable output only)
// Run with --expose-gc for heap figures (the package script does).
import { cpus, totalmem } from "node:os";
import { performance } from "node:perf_hooks";
import { MessageChannel } from "node:worker_threads";
import { CaptureEncoder, captureBuffers, createEnergyEngine, EnergyEngine } from "../dist/index.js";

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

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function bench(meters) {
  const before = heapUsed();
  const t0 = performance.now();
  const { engine, handles } = build(meters);
  const buildMs = performance.now() - t0;

  // First reading of every meter (references), then rounds of increases every 10 s.
  for (let i = 0; i < meters; i++) engine.ingestValues(handles[i], T0, 1000 + (i % 97), 50);
  // Each round timed on its own; the rate is that of the median round, so that a pause of the
  // (shared, virtual) machine during one round does not decide the figure.
  const rounds = Math.max(5, Math.ceil(3_000_000 / meters));
  const roundMs = [];
  for (let r = 1; r <= rounds; r++) {
    const tsMs = T0 + r * 10_000;
    const r0 = performance.now();
    for (let i = 0; i < meters; i++) {
      engine.ingestValues(handles[i], tsMs, 1000 + (i % 97) + r * 0.0125, 45 + (r & 7));
    }
    roundMs.push(performance.now() - r0);
  }
  const readings = rounds * meters;

  // The same, with a publish cycle (collect the changed nodes) after every round: each meter
  // reports once per cycle, so every reading's effects are carried up the tree.
  let cycleTsMs = T0 + rounds * 10_000;
  const cycleRounds = Math.max(5, Math.ceil(1_000_000 / meters));
  const cycleRoundMs = [];
  for (let r = 1; r <= cycleRounds; r++) {
    const c0 = performance.now();
    cycleTsMs += 10_000;
    for (let i = 0; i < meters; i++) {
      engine.ingestValues(
        handles[i],
        cycleTsMs,
        1000 + (i % 97) + (rounds + r) * 0.0125,
        45 + (r & 7),
      );
    }
    engine.takeChanges(cycleTsMs);
    cycleRoundMs.push(performance.now() - c0);
  }
  const totalRounds = rounds + cycleRounds;
  const tsEnd = cycleTsMs;
  engine.takeChanges(tsEnd);

  const heapPerMeterB = (heapUsed() - before) / meters;

  // 1 % of the meters change, then collect the changed nodes: median of 5 cycles.
  const changedMeters = Math.max(1, Math.floor(meters / 100));
  const collectTimes = [];
  const viewTimes = [];
  let views = [];
  for (let cycle = 1; cycle <= 5; cycle++) {
    const tsMs = tsEnd + cycle * 1000;
    for (let i = 0; i < changedMeters; i++) {
      const m = (i * 7919 + cycle) % meters;
      engine.ingestValues(handles[m], tsMs, 1000 + (m % 97) + totalRounds * 0.0125 + cycle, 60);
    }
    const c0 = performance.now();
    const changed = engine.takeChanges(tsMs);
    collectTimes.push(performance.now() - c0);
    const v0 = performance.now();
    views = changed.map((id) => engine.view(id, tsMs));
    viewTimes.push(performance.now() - v0);
  }
  const collectMs = median(collectTimes);
  const viewsMs = median(viewTimes);

  const s0 = performance.now();
  const snapshot = engine.snapshot();
  const snapshotMs = performance.now() - s0;
  // What the ingesting thread pays when a worker encodes: the capture and its postMessage
  // (buffers transferred; after the first, only new names and into the buffers handed back).
  // The encode itself (the worker's share) is timed once, here.
  const captureRuns = [];
  const encoder = new CaptureEncoder();
  const { port1, port2 } = new MessageChannel();
  let previous;
  let encodeCaptureMs = 0;
  for (let k = 0; k < 6; k++) {
    const c0 = performance.now();
    const capture = engine.capture(previous);
    port1.postMessage(capture, captureBuffers(capture));
    if (k > 0) captureRuns.push(performance.now() - c0);
    const received = await new Promise((resolve) => port2.once("message", resolve));
    const e0 = performance.now();
    encoder.encode(received);
    encodeCaptureMs = performance.now() - e0;
    port2.postMessage(received, captureBuffers(received));
    previous = await new Promise((resolve) => port1.once("message", resolve));
  }
  port1.close();
  const captureMs = median(captureRuns);
  const j0 = performance.now();
  const json = JSON.stringify(snapshot);
  const stringifyMs = performance.now() - j0;
  const p0 = performance.now();
  const parsed = JSON.parse(json);
  const parseMs = performance.now() - p0;
  const r0 = performance.now();
  const restored = EnergyEngine.restore(parsed, { timeZone: "Europe/Lisbon" });
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
    readingsPerS: Math.round(meters / (median(roundMs) / 1000)),
    readingsPerSBestRound: Math.round(meters / (Math.min(...roundMs) / 1000)),
    readingsPerSWithCycles: Math.round(meters / (median(cycleRoundMs) / 1000)),
    heapPerMeterB: gc ? Math.round(heapPerMeterB) : null,
    changedNodes: views.length,
    collectChangedMs: Number(collectMs.toFixed(2)),
    viewsOfChangedMs: Number(viewsMs.toFixed(2)),
    snapshotMs: Math.round(snapshotMs),
    captureMs: Number(captureMs.toFixed(1)),
    encodeCaptureMs: Math.round(encodeCaptureMs),
    restoreMs: Math.round(restoreMs),
    jsonMB: Number((json.length / 1e6).toFixed(1)),
    stringifyMs: Math.round(stringifyMs),
    parseMs: Math.round(parseMs),
  };
}

const results = [];
for (const size of sizes) results.push(await bench(size));
const machine = {
  date: new Date().toISOString().slice(0, 10),
  cpu: cpus()[0]?.model ?? "unknown",
  cores: cpus().length,
  memoryGiB: Math.round(totalmem() / 2 ** 30),
  node: process.version,
};
if (args.json) {
  process.stdout.write(`${JSON.stringify({ machine, results })}\n`);
} else {
  console.log(
    `${machine.date} · ${machine.cpu} · ${machine.cores} cores · ${machine.memoryGiB} GiB · Node ${machine.node}`,
  );
  console.table(results);
}

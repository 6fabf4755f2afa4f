#!/usr/bin/env node
// Memory per tracked device of the built aggregator (not in CI): what `[limits] max_devices`
// costs. A private Mosquitto on a free port; the aggregator with max_devices 100,000 and flat
// payloads; devices (one Plus Plug S each, two status messages: reference and increase) are
// added in stages; after each stage the aggregator publishes every node, writes its state, and
// its RSS and
// its live V8 heap (after a full collection: see below) are read. The cost per device is the
// growth between stages divided by the devices added.
//
//   pnpm --filter @coreflux/reliability-tests device-memory [-- --stages 0,20000,100000 --out mem.json]
//   (add --rss-only for RSS figures: the heap snapshots inflate the RSS of later stages)
//
// Build first: pnpm --filter "@coreflux/aggregator..." build

import { readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { parseArgs } from "node:util";
import mqtt from "mqtt";
import {
  deviceMessages,
  MACHINE,
  metricsOf,
  mib,
  rssBytesOf,
  scratchRun,
  startAggregator,
  startMosquitto,
  stopAggregator,
} from "./script-support.mjs";

const { values: args } = parseArgs({
  options: {
    stages: { type: "string", default: "0,20000,100000" },
    out: { type: "string" },
    // Heap snapshots leave RSS high for the rest of the run: measure RSS in a run of its own.
    "rss-only": { type: "boolean", default: false },
  },
});
const STAGES = args.stages.split(",").map(Number);
const INTERVAL_S = 2;
const COMPANY = "MemProbe";

const log = (text) => process.stdout.write(`[device-memory] ${text}\n`);

const run = scratchRun("device-memory");
const url = await startMosquitto(run, ["max_queued_messages 1000000"]);
const aggregator = await startAggregator(
  run,
  [
    "[company]",
    `topic = "${COMPANY}/#"`,
    "[mqtt]",
    `url = "${url}"`,
    `client_id = "agg-${COMPANY}"`,
    "[publish]",
    `interval_seconds = ${INTERVAL_S}`,
    "nested = false",
    "[state]",
    `path = "${join(run.dir, "state.json")}"`,
    "[limits]",
    `max_devices = ${Math.max(...STAGES)}`,
    "[http]",
    "port = 0",
    "[log]",
    'format = "json"',
  ],
  {
    // SIGUSR2 writes a heap snapshot into the working directory (the scratch folder).
    nodeArgs: ["--heapsnapshot-signal=SIGUSR2"],
    onLine: (entry, line) => entry.level >= 40 && log(`aggregator: ${line.slice(0, 300)}`),
  },
);
const metrics = () => metricsOf(aggregator);
const rssBytes = () => rssBytesOf(aggregator);

const publisher = await mqtt.connectAsync(url, { clean: true, reconnectPeriod: 0 });
/** A Plus Plug S status as the device publishes it; device i in office i/2000, room i/20. */
const statusOf = (i, energyWh) => ({
  topic: `${COMPANY}/Office${Math.floor(i / 2000)}/Room${Math.floor(i / 20)}/Plug${i}/status/switch:0`,
  payload: JSON.stringify({
    id: 0,
    source: "timer",
    output: true,
    apower: 11.2,
    voltage: 229.8,
    current: 0.071,
    aenergy: { total: energyWh, by_minute: [187.5, 186.9, 187.1], minute_ts: 1764150000 },
    temperature: { tC: 31.4, tF: 88.5 },
  }),
});
let published = 0;
async function publishDevices(from, to) {
  const window = [];
  for (const round of [0, 1]) {
    for (let i = from; i < to; i++) {
      const { topic, payload } = statusOf(i, round === 0 ? 1000 + i : 1000.5 + i);
      window.push(publisher.publishAsync(topic, payload, { qos: 1 }));
      published++;
      if (window.length >= 500) await Promise.all(window.splice(0));
    }
  }
  await Promise.all(window);
}

const results = [];
let previous = 0;
for (const devices of STAGES) {
  if (devices > previous) await publishDevices(previous, devices);
  previous = devices;
  for (let i = 0; deviceMessages(await metrics()) < published; i++) {
    if (aggregator.child.exitCode !== null) throw new Error("the aggregator exited");
    if (i > 3000) throw new Error("the aggregator did not receive every message");
    await sleep(100);
  }
  // Two full publish cycles (every node published, the state file written), then the live heap:
  // SIGUSR2 makes the aggregator write a heap snapshot, which starts with a full collection, and
  // the metrics request waits behind it, so the heap it reports is what survived (plus the few
  // objects the request itself allocates). Twice, keeping the lower.
  await sleep(2 * INTERVAL_S * 1000);
  const rss = [];
  for (let i = 0; i < 8; i++) {
    rss.push(rssBytes());
    await sleep((INTERVAL_S * 1000) / 4);
  }
  const heap = [];
  for (let i = 0; i < (args["rss-only"] ? 0 : 2); i++) {
    aggregator.child.kill("SIGUSR2");
    await sleep(50);
    heap.push((await metrics()).get("coreflux_nodejs_heap_size_used_bytes"));
    for (const file of readdirSync(run.dir))
      if (file.endsWith(".heapsnapshot")) rmSync(join(run.dir, file));
    await sleep(INTERVAL_S * 1000);
  }
  const m = await metrics();
  const row = {
    devices,
    meters: m.get("coreflux_meters") ?? null,
    liveHeapMiB: heap.length > 0 ? mib(Math.min(...heap)) : null,
    rssMiB: mib(rss.sort((x, y) => x - y)[rss.length >> 1]),
    liveHeapBytes: heap.length > 0 ? Math.min(...heap) : null,
    rssBytes: rss[rss.length >> 1],
  };
  results.push(row);
  log(`${devices} devices: live heap ${row.liveHeapMiB} MiB, RSS ${row.rssMiB} MiB`);
}

const perDevice = [];
for (let i = 1; i < results.length; i++) {
  const a = results[i - 1];
  const b = results[i];
  const added = b.devices - a.devices;
  perDevice.push({
    from: a.devices,
    to: b.devices,
    heapBytesPerDevice:
      a.liveHeapBytes === null || b.liveHeapBytes === null
        ? null
        : Math.round((b.liveHeapBytes - a.liveHeapBytes) / added),
    rssBytesPerDevice: Math.round((b.rssBytes - a.rssBytes) / added),
  });
}
for (const p of perDevice)
  log(
    `${p.from} → ${p.to}: ${p.heapBytesPerDevice} B heap, ${p.rssBytesPerDevice} B RSS per device`,
  );
const summary = {
  date: new Date().toISOString().slice(0, 10),
  machine: MACHINE,
  payloads: "flat (nested = false), publish every 2 s",
  stages: results,
  perDevice,
};
if (args.out) writeFileSync(args.out, `${JSON.stringify(summary, null, 2)}\n`);
await publisher.endAsync();
await stopAggregator(aggregator);
process.exit(0);

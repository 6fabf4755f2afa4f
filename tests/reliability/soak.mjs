#!/usr/bin/env node
// Soak test of the built aggregator (not in CI): a simulated fleet published at a steady rate
// (default 5,000 messages/s for 10 minutes) through a private Mosquitto on a free port; the
// aggregator's RSS (/proc/<pid>/status) and V8 heap (/metrics) are sampled every 10 s; RSS
// growth after the warm-up (first 2 minutes) is reported (target: below 10 %), and at the end
// the published company total is compared with the simulator's truth.
//
//   pnpm --filter @coreflux/reliability-tests soak [-- --minutes 10 --rate 5000 --out soak.json]
//
// Build first: pnpm --filter "@coreflux/aggregator..." build && pnpm --filter @coreflux/shelly-simulator build

import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { parseArgs } from "node:util";
import { createFleet } from "@coreflux/shelly-simulator";
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
    minutes: { type: "string", default: "10" },
    rate: { type: "string", default: "5000" },
    "warmup-minutes": { type: "string", default: "2" },
    "sample-seconds": { type: "string", default: "10" },
    devices: { type: "string", default: "1000" },
    seed: { type: "string", default: "20261126" },
    out: { type: "string" },
  },
});
const MINUTES = Number(args.minutes);
const RATE = Number(args.rate);
const WARMUP_S = Number(args["warmup-minutes"]) * 60;
const SAMPLE_S = Number(args["sample-seconds"]);
const SEED = Number(args.seed);
const DEVICES = Number(args.devices);
/** Unacknowledged QoS 1 publishes at most. */
const MAX_IN_FLIGHT = 1000;

const log = (text) =>
  process.stdout.write(`[soak ${new Date().toISOString().slice(11, 19)}] ${text}\n`);

const run = scratchRun("soak");

// The broker, on a free port, with Mosquitto's defaults except the per-client queue: the default
// (max_queued_messages 1000 beyond 20 in flight) silently drops QoS 1 messages for a subscriber
// that falls a fraction of a second behind a 5,000 msg/s stream, e.g. during a state write. A
// production broker for a fleet this busy needs the same setting (RELIABILITY.md).
const url = await startMosquitto(run, ["max_queued_messages 100000"]);

// The fleet: the CLI's example fault rates, published as fast as the rate allows.
const company = `Soak${SEED}`;
const rooms = 10;
const offices = Math.max(1, Math.round(DEVICES / (rooms * 20)));
const fleet = createFleet({
  seed: SEED,
  company,
  offices,
  roomsPerOffice: rooms,
  devicesPerRoom: Math.round(DEVICES / (offices * rooms)),
  faults: {
    reset: 0.01,
    zero: 0.01,
    spike: 0.005,
    duplicate: 0.02,
    reorder: 0.01,
    malformed: 0.01,
    offline: 0.002,
  },
});

// The aggregator: default publish settings (every 10 s, nested payloads, full refresh every 30).
const aggregator = await startAggregator(
  run,
  [
    "[company]",
    `topic = "${company}/#"`,
    "[mqtt]",
    `url = "${url}"`,
    `client_id = "agg-${company}"`,
    "[state]",
    `path = "${join(run.dir, "state.json")}"`,
    "[accounting]",
    'time_zone = "UTC"',
    "[http]",
    "port = 0",
    "[log]",
    'format = "json"',
    ...fleet
      .placements()
      .flatMap((p) => ["[[devices]]", `match = "${p.match}"`, `path = "${p.path}"`]),
  ],
  { onLine: (entry, line) => entry.level >= 50 && log(`aggregator: ${line.slice(0, 300)}`) },
);

const metrics = () => metricsOf(aggregator);

// The observer: the latest company total.
let companyWh;
const observer = await mqtt.connectAsync(url, { clean: true });
await observer.subscribeAsync(`${company}/CompanyEnergyConsumed`, { qos: 1 });
observer.on("message", (_topic, payload) => {
  if (payload.length > 0) companyWh = JSON.parse(payload.toString()).TotalEnergy;
});

// The publisher: QoS 1 with a window of unacknowledged publishes, paced to RATE.
const publisher = await mqtt.connectAsync(url, { clean: true, reconnectPeriod: 0 });
let inFlight = 0;
let wake;
const acked = (error) => {
  if (error) throw error;
  inFlight--;
  if (inFlight <= MAX_IN_FLIGHT / 2 && wake) {
    const w = wake;
    wake = undefined;
    w();
  }
};
let published = 0;
const publishAll = async (messages) => {
  for (const m of messages) {
    inFlight++;
    publisher.publish(
      m.topic,
      typeof m.payload === "string" ? m.payload : Buffer.from(m.payload),
      { qos: 1 },
      acked,
    );
    published++;
    if (inFlight >= MAX_IN_FLIGHT) await new Promise((resolve) => (wake = resolve));
  }
};

const samples = [];
const started = performance.now();
const takeSample = async () => {
  const m = await metrics();
  const s = {
    t: Math.round((performance.now() - started) / 1000),
    published,
    received: deviceMessages(m),
    rssMiB: mib(rssBytesOf(aggregator)),
    heapUsedMiB: mib(m.get("coreflux_nodejs_heap_size_used_bytes")),
    heapTotalMiB: mib(m.get("coreflux_nodejs_heap_size_total_bytes")),
    externalMiB: mib(m.get("coreflux_nodejs_external_memory_bytes") ?? 0),
    cpuS: Math.round(m.get("coreflux_process_cpu_seconds_total") * 10) / 10,
    lagP99Ms:
      Math.round((m.get("coreflux_nodejs_eventloop_lag_p99_seconds") ?? 0) * 1000 * 10) / 10,
  };
  samples.push(s);
  log(
    `t=${s.t}s published=${s.published} received=${s.received} rss=${s.rssMiB} MiB heap=${s.heapUsedMiB}/${s.heapTotalMiB} MiB cpu=${s.cpuS}s lag.p99=${s.lagP99Ms}ms`,
  );
};
log(
  `fleet: ${fleet.devices.length} devices, ${RATE} msg/s for ${MINUTES} min, broker ${url}, aggregator pid ${aggregator.pid}`,
);
await takeSample();
const endAt = started + MINUTES * 60_000;
let nextSample = started + SAMPLE_S * 1000;
while (performance.now() < endAt) {
  const due = Math.floor(((performance.now() - started) / 1000) * RATE);
  if (due > published) await publishAll(fleet.next(due - published));
  if (performance.now() >= nextSample) {
    nextSample += SAMPLE_S * 1000;
    await takeSample();
  }
  await sleep(5);
}
const wallS = (performance.now() - started) / 1000;
// The final counters and `online` false, at the same rate as the rest: the soak measures a
// steady stream, not a burst.
const paced = async (messages) => {
  const chunk = Math.max(1, Math.round(RATE / 100));
  for (let i = 0; i < messages.length; i += chunk) {
    await publishAll(messages.slice(i, i + chunk));
    await sleep(10);
  }
};
await paced(fleet.settle());
const truth = fleet.truth();
const stats = fleet.stats();
await paced(fleet.shutdown());
while (inFlight > 0) await sleep(10);
log(
  `published ${published} messages in ${wallS.toFixed(1)} s (${Math.round(published / wallS)} msg/s); waiting for the aggregator`,
);

// Catch up: every message counted, then a publish cycle or two for the totals.
let deviceMessagesReceived = 0;
for (let i = 0; i < 600; i++) {
  deviceMessagesReceived = deviceMessages(await metrics());
  if (deviceMessagesReceived >= published) break;
  await sleep(100);
}
const truthWh = truth.energyMwh / 1000;
for (let i = 0; i < 300 && companyWh !== truthWh; i++) await sleep(100);
await takeSample();

const at = (tS) => {
  const near = samples.filter((s) => Math.abs(s.t - tS) <= SAMPLE_S * 1.5);
  const rss = near.map((s) => s.rssMiB).sort((a, b) => a - b);
  const heap = near.map((s) => s.heapUsedMiB).sort((a, b) => a - b);
  return {
    rssMiB: rss[Math.floor(rss.length / 2)],
    heapUsedMiB: heap[Math.floor(heap.length / 2)],
  };
};
const warm = at(WARMUP_S);
const streaming = samples.filter((s) => s.t <= wallS);
const end = at(streaming[streaming.length - 1].t);
const afterWarmup = streaming.filter((s) => s.t >= WARMUP_S);
const m = await metrics();
const result = {
  date: new Date().toISOString().slice(0, 10),
  machine: MACHINE,
  minutes: MINUTES,
  targetRate: RATE,
  achievedRate: Math.round(published / wallS),
  messages: published,
  devices: fleet.devices.length,
  faults: stats.faults,
  warmupS: WARMUP_S,
  rssAtWarmupMiB: warm.rssMiB,
  rssAtEndMiB: end.rssMiB,
  rssGrowthAfterWarmupPct: Math.round(((end.rssMiB - warm.rssMiB) / warm.rssMiB) * 1000) / 10,
  rssMaxAfterWarmupMiB: Math.max(...afterWarmup.map((s) => s.rssMiB)),
  heapUsedAtWarmupMiB: warm.heapUsedMiB,
  heapUsedAtEndMiB: end.heapUsedMiB,
  heapUsedMaxMiB: Math.max(...samples.map((s) => s.heapUsedMiB)),
  aggregatorCpuS: samples[samples.length - 1].cpuS,
  deviceMessagesReceived,
  messagesLost: published - deviceMessagesReceived,
  rejected: Object.fromEntries(
    [...m]
      .filter(([k]) => k.startsWith("coreflux_messages_rejected_total{"))
      .map(([k, v]) => [k.slice(k.indexOf('"') + 1, -2), v]),
  ),
  resets: m.get("coreflux_meter_resets_total"),
  logLines: aggregator.logLines,
  companyWh,
  truthWh,
  totalsEqual: companyWh === truthWh,
  samples,
};
log(
  `RSS ${result.rssAtWarmupMiB} MiB after the warm-up, ${result.rssAtEndMiB} MiB at the end: ${result.rssGrowthAfterWarmupPct} % (target < 10 %); heap used ${result.heapUsedAtWarmupMiB} → ${result.heapUsedAtEndMiB} MiB; company total ${companyWh} Wh, truth ${truthWh} Wh`,
);
if (args.out) writeFileSync(args.out, `${JSON.stringify(result, null, 2)}\n`);
await observer.endAsync();
await publisher.endAsync();
await stopAggregator(aggregator);
// Exits at once: the broker child would keep the event loop alive (it is killed on exit).
process.exit(
  result.totalsEqual && result.messagesLost === 0 && result.rssGrowthAfterWarmupPct < 10 ? 0 : 1,
);

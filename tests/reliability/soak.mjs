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

import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { createServer, connect as tcpConnect } from "node:net";
import { cpus, tmpdir, totalmem, userInfo } from "node:os";
import { dirname, join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { parseArgs } from "node:util";
import { createFleet } from "@coreflux/shelly-simulator";
import mqtt from "mqtt";

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

const require = createRequire(import.meta.url);
const CLI = join(dirname(require.resolve("@coreflux/aggregator/package.json")), "dist/cli.js");
const MOSQUITTO =
  process.env.MOSQUITTO_BIN ??
  (existsSync("/usr/sbin/mosquitto") ? "/usr/sbin/mosquitto" : "mosquitto");

const log = (text) =>
  process.stdout.write(`[soak ${new Date().toISOString().slice(11, 19)}] ${text}\n`);

async function freePort() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function waitForPort(port) {
  for (let i = 0; i < 500; i++) {
    const ok = await new Promise((resolve) => {
      const s = tcpConnect({ port, host: "127.0.0.1" });
      s.once("connect", () => {
        s.destroy();
        resolve(true);
      });
      s.once("error", () => resolve(false));
    });
    if (ok) return;
    await sleep(20);
  }
  throw new Error(`nothing listens on ${port}`);
}

const dir = mkdtempSync(join(tmpdir(), "coreflux-soak-"));
const children = [];
const cleanup = () => {
  for (const child of children) if (child.exitCode === null) child.kill("SIGKILL");
  rmSync(dir, { recursive: true, force: true });
};
process.on("exit", cleanup);
process.on("SIGINT", () => process.exit(130));

// The broker, on a free port, with Mosquitto's defaults except the per-client queue: the default
// (max_queued_messages 1000 beyond 20 in flight) silently drops QoS 1 messages for a subscriber
// that falls a fraction of a second behind a 5,000 msg/s stream, e.g. during a state write. A
// production broker for a fleet this busy needs the same setting (RELIABILITY.md).
const brokerPort = await freePort();
writeFileSync(
  join(dir, "mosquitto.conf"),
  [
    `listener ${brokerPort} 127.0.0.1`,
    "allow_anonymous true",
    `user ${userInfo().username}`,
    "log_dest none",
    "max_queued_messages 100000",
  ].join("\n"),
);
children.push(spawn(MOSQUITTO, ["-c", join(dir, "mosquitto.conf")], { stdio: "ignore" }));
await waitForPort(brokerPort);
const url = `mqtt://127.0.0.1:${brokerPort}`;

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
const toml = [
  "[company]",
  `topic = "${company}/#"`,
  "[mqtt]",
  `url = "${url}"`,
  `client_id = "agg-${company}"`,
  "[state]",
  `path = "${join(dir, "state.json")}"`,
  "[accounting]",
  'time_zone = "UTC"',
  "[http]",
  "port = 0",
  "[log]",
  'format = "json"',
  ...fleet
    .placements()
    .flatMap((p) => ["[[devices]]", `match = "${p.match}"`, `path = "${p.path}"`]),
].join("\n");
writeFileSync(join(dir, "config.toml"), `${toml}\n`);
const aggregator = spawn(process.execPath, [CLI, "--config", join(dir, "config.toml")], {
  stdio: ["ignore", "pipe", "inherit"],
});
children.push(aggregator);
let httpUrl;
let subscribed = false;
let logLines = 0;
let buffered = "";
aggregator.stdout.setEncoding("utf8").on("data", (chunk) => {
  buffered += chunk;
  let nl = buffered.indexOf("\n");
  while (nl >= 0) {
    const line = buffered.slice(0, nl);
    buffered = buffered.slice(nl + 1);
    logLines++;
    try {
      const j = JSON.parse(line);
      if (j.msg === "HTTP listener: /healthz and /metrics") httpUrl = j.url;
      if (j.msg === "subscribed") subscribed = true;
      if (j.level >= 50) log(`aggregator: ${line.slice(0, 300)}`);
    } catch {}
    nl = buffered.indexOf("\n");
  }
});
while (!subscribed || httpUrl === undefined) {
  if (aggregator.exitCode !== null) throw new Error("the aggregator exited at startup");
  await sleep(20);
}

const metrics = async () => {
  const text = await (await fetch(`${httpUrl}/metrics`)).text();
  const out = new Map();
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const i = line.lastIndexOf(" ");
    out.set(line.slice(0, i), Number(line.slice(i + 1)));
  }
  return out;
};
const rssBytes = () =>
  Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${aggregator.pid}/status`, "utf8"))[1]) *
  1024;
const mib = (bytes) => Math.round((bytes / 1048576) * 10) / 10;

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
    received:
      m.get("coreflux_messages_received_total") -
      (m.get('coreflux_messages_ignored_total{reason="own-output"}') ?? 0),
    rssMiB: mib(rssBytes()),
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
  const m = await metrics();
  deviceMessagesReceived =
    m.get("coreflux_messages_received_total") -
    (m.get('coreflux_messages_ignored_total{reason="own-output"}') ?? 0);
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
  machine: `${cpus()[0]?.model ?? "?"}, ${cpus().length} vCPUs, ${Math.round(totalmem() / 1024 ** 3)} GiB, Node ${process.version}`,
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
  resets: m.get("coreflux_counter_resets_total"),
  logLines,
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
aggregator.kill("SIGTERM");
await new Promise((resolve) => aggregator.once("exit", resolve));
process.exitCode =
  result.totalsEqual && result.messagesLost === 0 && result.rssGrowthAfterWarmupPct < 10 ? 0 : 1;

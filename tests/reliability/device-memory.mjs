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

import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { createServer, connect as tcpConnect } from "node:net";
import { cpus, tmpdir, totalmem, userInfo } from "node:os";
import { dirname, join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { parseArgs } from "node:util";
import mqtt from "mqtt";

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

const require = createRequire(import.meta.url);
const CLI = join(dirname(require.resolve("@coreflux/aggregator/package.json")), "dist/cli.js");
const MOSQUITTO =
  process.env.MOSQUITTO_BIN ??
  (existsSync("/usr/sbin/mosquitto") ? "/usr/sbin/mosquitto" : "mosquitto");
const log = (text) => process.stdout.write(`[device-memory] ${text}\n`);

async function freePort() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function listening(port) {
  for (let i = 0; i < 500; i++) {
    const ok = await new Promise((resolve) => {
      const socket = tcpConnect({ port, host: "127.0.0.1" });
      socket.once("connect", () => {
        socket.destroy();
        resolve(true);
      });
      socket.once("error", () => resolve(false));
    });
    if (ok) return;
    await sleep(20);
  }
  throw new Error(`nothing listens on ${port}`);
}

const dir = mkdtempSync(join(tmpdir(), "coreflux-device-memory-"));
const children = [];
process.on("exit", () => {
  for (const child of children) if (child.exitCode === null) child.kill("SIGKILL");
  rmSync(dir, { recursive: true, force: true });
});
process.on("SIGINT", () => process.exit(130));

const port = await freePort();
writeFileSync(
  join(dir, "mosquitto.conf"),
  [
    `listener ${port} 127.0.0.1`,
    "allow_anonymous true",
    `user ${userInfo().username}`,
    "log_dest none",
    "max_queued_messages 1000000",
  ].join("\n"),
);
children.push(spawn(MOSQUITTO, ["-c", join(dir, "mosquitto.conf")], { stdio: "ignore" }));
await listening(port);
const url = `mqtt://127.0.0.1:${port}`;

writeFileSync(
  join(dir, "config.toml"),
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
    `path = "${join(dir, "state.json")}"`,
    "[limits]",
    `max_devices = ${Math.max(...STAGES)}`,
    "[http]",
    "port = 0",
    "[log]",
    'format = "json"',
    "",
  ].join("\n"),
);
const aggregator = spawn(
  process.execPath,
  ["--heapsnapshot-signal=SIGUSR2", CLI, "--config", join(dir, "config.toml")],
  { cwd: dir, stdio: ["ignore", "pipe", "inherit"] },
);
children.push(aggregator);
let httpUrl;
let subscribed = false;
let buffered = "";
aggregator.stdout.setEncoding("utf8").on("data", (chunk) => {
  buffered += chunk;
  let newline = buffered.indexOf("\n");
  while (newline >= 0) {
    const line = buffered.slice(0, newline);
    buffered = buffered.slice(newline + 1);
    try {
      const entry = JSON.parse(line);
      if (entry.msg === "HTTP listener: /healthz and /metrics") httpUrl = entry.url;
      if (entry.msg === "subscribed") subscribed = true;
      if (entry.level >= 40) log(`aggregator: ${line.slice(0, 300)}`);
    } catch {}
    newline = buffered.indexOf("\n");
  }
});
while (!subscribed || httpUrl === undefined) {
  if (aggregator.exitCode !== null) throw new Error("the aggregator exited at startup");
  await sleep(20);
}

const metrics = async () => {
  // A fresh connection each time: a kept-alive one may have been closed during a snapshot.
  const response = await fetch(`${httpUrl}/metrics`, { headers: { connection: "close" } });
  const text = await response.text();
  const out = new Map();
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const space = line.lastIndexOf(" ");
    out.set(line.slice(0, space), Number(line.slice(space + 1)));
  }
  return out;
};
const rssBytes = () =>
  Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${aggregator.pid}/status`, "utf8"))[1]) *
  1024;
const mib = (bytes) => Math.round((bytes / 1048576) * 10) / 10;
const deviceMessages = (m) =>
  m.get("coreflux_messages_received_total") -
  (m.get('coreflux_messages_ignored_total{reason="own-output"}') ?? 0);

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
    if (aggregator.exitCode !== null) throw new Error("the aggregator exited");
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
    aggregator.kill("SIGUSR2");
    await sleep(50);
    heap.push((await metrics()).get("coreflux_nodejs_heap_size_used_bytes"));
    for (const file of readdirSync(dir))
      if (file.endsWith(".heapsnapshot")) rmSync(join(dir, file));
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
  machine: `${cpus()[0]?.model ?? "?"}, ${cpus().length} vCPUs, ${Math.round(totalmem() / 1024 ** 3)} GiB, Node ${process.version}`,
  payloads: "flat (nested = false), publish every 2 s",
  stages: results,
  perDevice,
};
if (args.out) writeFileSync(args.out, `${JSON.stringify(summary, null, 2)}\n`);
await publisher.endAsync();
aggregator.kill("SIGTERM");
await new Promise((resolve) => aggregator.once("exit", resolve));
process.exit(0);

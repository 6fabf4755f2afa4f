// Flood throughput of shelly-sim: `pnpm --filter @coreflux/shelly-simulator bench` (builds first).
// Starts a private mosquitto on a free port and measures, for a fleet of 10,000 devices:
//   1. generation alone (the pure core: fleet.next), per message;
//   2. publishing alone (mqtt.js publishing pre-generated messages), per message;
//   3. runSimulator in flood mode end to end, QoS 0 and QoS 1 (with faults at the CLI's example rates).
// Options: --devices <n> (default 10000), --messages <n> (default 1000000), --subscriber (a
// `mosquitto_sub -t '#'` reads everything, so the broker fans out), --json.
// CPU time counts every thread of the process (the GC's helpers too), so it can exceed wall time.
import { spawn } from "node:child_process";
import { once } from "node:events";
import { readFileSync } from "node:fs";
import { cpus } from "node:os";
import { parseArgs } from "node:util";
import { startMosquitto as startPrivateMosquitto } from "@coreflux/test-support";
import mqtt from "mqtt";
import { createFleet, runSimulator } from "../dist/index.js";

const { values } = parseArgs({
  options: {
    devices: { type: "string" },
    messages: { type: "string" },
    subscriber: { type: "boolean" },
    json: { type: "boolean" },
  },
});
const DEVICES = Number(values.devices ?? 10_000);
const MESSAGES = Number(values.messages ?? 1_000_000);
const FAULTS = {
  reset: 0.01,
  zero: 0.01,
  spike: 0.005,
  duplicate: 0.02,
  reorder: 0.01,
  malformed: 0.01,
  offline: 0.002,
};
const fleetOptions = {
  offices: 10,
  roomsPerOffice: 25,
  devicesPerRoom: DEVICES / 250,
  faults: FAULTS,
};
async function startMosquitto() {
  // The broker's defaults (as `mosquitto -p <port>` would run), on 127.0.0.1, without a log.
  const broker = await startPrivateMosquitto({ log: false });
  const sub = values.subscriber
    ? spawn("mosquitto_sub", ["-p", String(broker.port), "-t", "#", "-q", "1"], { stdio: "ignore" })
    : undefined;
  if (sub) await new Promise((r) => setTimeout(r, 300));
  return {
    url: broker.url,
    /** CPU ms the broker used so far (Linux /proc). */
    cpuMs: () => procCpuMs(broker.pid),
    stop: async () => {
      sub?.kill("SIGTERM");
      await broker.stop();
    },
  };
}

function procCpuMs(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime + stime, 100 Hz ticks
  } catch {
    return Number.NaN;
  }
}

/** CPU and wall time of fn. */
async function timed(fn, brokerCpuMs = () => Number.NaN) {
  const cpu0 = process.cpuUsage();
  const broker0 = brokerCpuMs();
  const t0 = performance.now();
  const out = await fn();
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  return {
    out,
    wallMs,
    cpuMs: (cpu.user + cpu.system) / 1000,
    brokerCpuMs: brokerCpuMs() - broker0,
  };
}

/** Generates `count` messages and drops them (as a publisher does once they are written). */
function generate(fleet, count) {
  let n = 0;
  while (n < count) n += fleet.next(256).length;
  return n;
}

/** The first `count` messages, kept, to publish without generating. */
function sampleOf(count) {
  const fleet = createFleet({ seed: 1, ...fleetOptions });
  const kept = [];
  while (kept.length < count) for (const m of fleet.next(2000)) kept.push(m);
  return kept;
}

/** Publishes with the same backpressure as runSimulator: the socket for QoS 0, 1000 in flight for QoS 1. */
async function publishOnly(url, messages, qos) {
  const client = await mqtt.connectAsync(url, { reconnectPeriod: 0 });
  let inFlight = 0;
  let wake;
  const done = () => {
    inFlight--;
    if (wake && inFlight <= 500) {
      const w = wake;
      wake = undefined;
      w();
    }
  };
  const options = { qos };
  let i = 0;
  for (const m of messages) {
    const payload = typeof m.payload === "string" ? m.payload : Buffer.from(m.payload);
    if (qos === 0) {
      client.publish(m.topic, payload, options);
      if (client.stream.writableNeedDrain) await once(client.stream, "drain");
    } else {
      inFlight++;
      client.publish(m.topic, payload, options, done);
      if (inFlight >= 1000)
        await new Promise((r) => {
          wake = r;
        });
    }
    if (++i % 256 === 0) await new Promise((r) => setImmediate(r));
  }
  while (inFlight > 0)
    await new Promise((r) => {
      wake = r;
    });
  await client.endAsync();
}

const broker = await startMosquitto();
const results = {
  date: new Date().toISOString().slice(0, 10),
  cpu: cpus()[0]?.model ?? "unknown",
  cpus: cpus().length,
  node: process.version,
  devices: DEVICES,
  rows: [],
};
try {
  const fleet = createFleet({ seed: 1, ...fleetOptions });
  const gen = await timed(() => generate(fleet, MESSAGES));
  results.rows.push({
    what: "generate only (fleet.next)",
    messages: gen.out,
    wallMs: gen.wallMs,
    cpuMs: gen.cpuMs,
  });
  const sample = sampleOf(Math.min(MESSAGES, 300_000));
  for (const qos of [0, 1]) {
    const pub = await timed(() => publishOnly(broker.url, sample, qos), broker.cpuMs);
    results.rows.push({
      what: `publish only, mqtt.js QoS ${qos}`,
      messages: sample.length,
      wallMs: pub.wallMs,
      cpuMs: pub.cpuMs,
      brokerCpuMs: pub.brokerCpuMs,
    });
  }
  for (const qos of [0, 1]) {
    const run = await timed(
      () =>
        runSimulator({
          url: broker.url,
          seed: 1,
          ...fleetOptions,
          flood: true,
          maxMessages: MESSAGES,
          qos,
        }),
      broker.cpuMs,
    );
    results.rows.push({
      what: `runSimulator flood, QoS ${qos}`,
      messages: run.out.messages,
      brokerCpuMs: run.brokerCpuMs,
      wallMs: run.wallMs,
      cpuMs: run.cpuMs,
    });
  }
} finally {
  await broker.stop();
}
for (const row of results.rows) {
  row.msgPerS = Math.round((row.messages * 1000) / row.wallMs);
  row.cpuUsPerMsg = Number(((row.cpuMs * 1000) / row.messages).toFixed(2));
  row.wallUsPerMsg = Number(((row.wallMs * 1000) / row.messages).toFixed(2));
  row.brokerBusy =
    row.brokerCpuMs === undefined ? undefined : Math.round((100 * row.brokerCpuMs) / row.wallMs);
}
if (values.json) console.log(JSON.stringify(results));
else {
  console.log(
    `${results.date}, ${results.cpu} (${results.cpus} vCPUs), Node ${results.node}, ${DEVICES} devices, private mosquitto, ${values.subscriber ? "mosquitto_sub -t '#' subscribed" : "no subscriber"}`,
  );
  console.log("| what | messages | msg/s | wall µs/msg | CPU µs/msg (all threads) | broker busy |");
  console.log("|---|---:|---:|---:|---:|---:|");
  for (const r of results.rows) {
    const busy = r.brokerBusy === undefined ? "" : `${r.brokerBusy} %`;
    console.log(
      `| ${r.what} | ${r.messages} | ${r.msgPerS} | ${r.wallUsPerMsg} | ${r.cpuUsPerMsg} | ${busy} |`,
    );
  }
}

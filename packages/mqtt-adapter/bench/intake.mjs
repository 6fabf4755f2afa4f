#!/usr/bin/env node
// Intake benchmark: the CPU a subscriber spends receiving a stream of QoS 0 messages, bare
// mqtt.js against this adapter (trivial handler in both). Runs against the built package:
//
//   pnpm --filter @coreflux/mqtt-adapter build && pnpm --filter @coreflux/mqtt-adapter bench
//   node bench/intake.mjs [--count 100000] [--reps 5] [--payload 250] [--broker mosquitto|embedded]
//
// The broker (a private Mosquitto on a free port by default, or the embedded aedes broker) and
// the publisher run in this process; each subscriber runs alone in a child process and measures
// process.cpuUsage() (user + system) from its first message to its last, so neither the
// publisher nor the broker is counted. Variants alternate within each repetition; the table
// shows medians. The last line is the result as JSON.
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { cpus } from "node:os";
import { fileURLToPath } from "node:url";
import { startMosquitto as startPrivateMosquitto } from "@coreflux/test-support";
import mqtt from "mqtt";

const SELF = fileURLToPath(import.meta.url);
const DIST = fileURLToPath(new URL("../dist/index.js", import.meta.url));

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? fallback : process.argv[i + 1];
}

// ------------------------------------------------------------------ child: one subscriber

async function child(variant, url, topic, count) {
  let received = 0;
  let start;
  let end;
  let idleTimer;
  const finish = () => {
    const cpu = process.cpuUsage(start?.cpu);
    const wallMs = end && start ? Number(end.wall - start.wall) / 1e6 : 0;
    process.stdout.write(
      `${JSON.stringify({ variant, received, cpuUs: cpu.user + cpu.system, wallMs })}\n`,
    );
    process.exit(0);
  };
  const onMessage = () => {
    if (received === 0) start = { cpu: process.cpuUsage(), wall: process.hrtime.bigint() };
    received++;
    if (received === count) {
      end = { wall: process.hrtime.bigint() };
      finish();
    }
    clearTimeout(idleTimer);
    idleTimer = setTimeout(finish, 3000);
  };
  if (variant === "mqtt.js" || variant === "mqtt.js (log: noop)") {
    // The second variant silences mqtt.js's debug() calls, as the adapter does.
    const quiet = variant === "mqtt.js (log: noop)" ? { log: () => {} } : {};
    const client = mqtt.connect(url, { reconnectPeriod: 0, ...quiet });
    client.on("message", onMessage);
    client.on("error", (error) => {
      console.error(error);
      process.exit(1);
    });
    await client.subscribeAsync(topic, { qos: 0 });
  } else {
    const { createMqttClient } = await import(DIST);
    const client = createMqttClient({ url, subscriptions: [{ filter: topic, qos: 0 }] });
    client.onMessage(onMessage);
    await client.connect({ timeoutMs: 5000 });
  }
  process.stdout.write("ready\n");
}

// ------------------------------------------------------------------ parent: broker + publisher

async function startMosquitto() {
  const broker = await startPrivateMosquitto({
    // Never drop QoS 0 for a subscriber that lags a moment: every run sees the whole stream.
    config: () => ["max_queued_messages 0"],
    log: false,
  });
  return { name: "mosquitto (private, free port)", url: broker.url, close: broker.stop };
}

async function startEmbedded() {
  const { startEmbeddedBroker } = await import(DIST);
  const broker = await startEmbeddedBroker({ port: 0 });
  return { name: "embedded aedes", url: broker.url, close: broker.close };
}

function runSubscriber(variant, url, topic, count) {
  const proc = spawn(process.execPath, [SELF, "--child", variant, url, topic, String(count)], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  let output = "";
  let onReady;
  const ready = new Promise((resolve) => {
    onReady = resolve;
  });
  proc.stdout.setEncoding("utf8");
  proc.stdout.on("data", (chunk) => {
    output += chunk;
    if (output.includes("ready\n")) onReady();
  });
  const result = new Promise((resolve, reject) => {
    proc.once("exit", (code) => {
      const line = output.split("\n").find((l) => l.startsWith("{"));
      if (code !== 0 || !line) reject(new Error(`${variant} subscriber failed (exit ${code})`));
      else resolve(JSON.parse(line));
    });
  });
  return { ready, result };
}

async function publish(url, topic, count, payload) {
  const client = await mqtt.connectAsync(url, { reconnectPeriod: 0 });
  for (let i = 0; i < count; i++) client.publish(topic, payload, { qos: 0 });
  await client.endAsync();
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

async function parent() {
  const count = Number(arg("count", "100000"));
  const reps = Number(arg("reps", "5"));
  const payloadBytes = Number(arg("payload", "250"));
  const brokerKind = arg("broker", "mosquitto");
  const broker = brokerKind === "embedded" ? await startEmbedded() : await startMosquitto();
  const payload = Buffer.alloc(payloadBytes, 0x61);
  const variants = ["mqtt.js", "mqtt.js (log: noop)", "adapter"];
  const runs = Object.fromEntries(variants.map((v) => [v, []]));
  try {
    for (let rep = 0; rep < reps; rep++) {
      // Rotate the order so no variant always runs first (or last) in a repetition.
      const order = variants.map((_, i) => variants[(i + rep) % variants.length]);
      for (const variant of order) {
        const topic = `bench/intake/${rep}/${variants.indexOf(variant)}`;
        const sub = runSubscriber(variant, broker.url, topic, count);
        await sub.ready;
        await publish(broker.url, topic, count, payload);
        const result = await sub.result;
        if (result.received !== count) {
          throw new Error(`${variant} received ${result.received} of ${count} messages`);
        }
        runs[variant].push(result);
      }
    }
  } finally {
    await broker.close();
  }
  const summary = {};
  for (const [variant, results] of Object.entries(runs)) {
    const cpuMs = median(results.map((r) => r.cpuUs)) / 1000;
    summary[variant] = {
      medianCpuMs: Number(cpuMs.toFixed(1)),
      cpuUsPerMessage: Number(((cpuMs * 1000) / count).toFixed(3)),
      medianWallMs: Number(median(results.map((r) => r.wallMs)).toFixed(1)),
      runsCpuMs: results.map((r) => Number((r.cpuUs / 1000).toFixed(1))),
    };
  }
  const overheadPercent = Number(
    ((summary.adapter.medianCpuMs / summary["mqtt.js"].medianCpuMs - 1) * 100).toFixed(1),
  );
  const overheadVsQuietPercent = Number(
    ((summary.adapter.medianCpuMs / summary["mqtt.js (log: noop)"].medianCpuMs - 1) * 100).toFixed(
      1,
    ),
  );
  const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
  const result = {
    benchmark: "intake",
    package: `${pkg.name}@${pkg.version}`,
    broker: broker.name,
    messages: count,
    payloadBytes,
    qos: 0,
    repetitions: reps,
    node: process.version,
    cpu: cpus()[0]?.model ?? "unknown",
    ...summary,
    overheadPercent,
    overheadVsQuietPercent,
    targetPercent: 20,
    withinTarget: overheadPercent <= 20,
  };
  const rows = [
    ["subscriber", "median CPU ms", "CPU µs/msg", "median wall ms", "runs (CPU ms)"],
    ...Object.entries(summary).map(([variant, s]) => [
      variant,
      String(s.medianCpuMs),
      String(s.cpuUsPerMessage),
      String(s.medianWallMs),
      s.runsCpuMs.join(" "),
    ]),
  ];
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  console.log(
    `intake: ${count} QoS 0 messages of ${payloadBytes} B via ${broker.name}, ${reps} repetitions, ${process.version}, ${result.cpu}`,
  );
  for (const row of rows) console.log(row.map((cell, c) => cell.padEnd(widths[c])).join("  "));
  console.log(
    `adapter CPU vs bare mqtt.js: ${overheadPercent}% (target <= 20%); vs mqtt.js with log: noop: ${overheadVsQuietPercent}%`,
  );
  const out = arg("out", undefined);
  if (out) writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
  console.log(JSON.stringify(result));
}

if (process.argv[2] === "--child") {
  const [, , , variant, url, topic, count] = process.argv;
  await child(variant, url, topic, Number(count));
} else {
  await parent();
}

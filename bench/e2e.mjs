#!/usr/bin/env node
// End-to-end benchmark: a private Mosquitto on a free port, `shelly-sim --flood` over N devices,
// the built aggregator and, as the physical-limit baseline, `mosquitto_sub`, both subscribed to
// the same stream. Prints one JSON line (see bench/report.mjs for its fields).
//   node bench/e2e.mjs [--devices 10000] [--messages 1000000] [--qos 1] [--profile <dir>]
//                      [--journal false] [--nodered <path of node-red's red.js>]
//                      [--paced <seconds>] [--speed <x>]
//                      [--aggregator-node-args "<node options>"] [--aggregator-log <file>]
//                      [--history <period minutes>] [--baseline true|false] [--sim-nice <n>]
//                      [--stalls-out <file>] [--write-hold-ms <ms>]
// With --paced, the simulator publishes in (simulated) real time for that long instead of
// flooding: the load a fleet of that size really sends, which leaves the machine CPU to spare,
// so the event-loop delay shows the aggregator's own pauses rather than a starved scheduler.
// A paced run starts no mosquitto_sub unless given --baseline true: its figures (the CPU ratio)
// belong to the flood, and in a paced run it would only compete for the CPUs whose waits the
// stall figures are about (it prints every device message and every aggregate it receives, and
// this script reads those lines).
// With --nodered, Node-RED running bench/nodered/flows.json is a third subscriber of the same
// stream (see bench/nodered.mjs), measured beside the other two.
import { execFileSync, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { setPriority, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { sleep, startMosquitto, waitUntil } from "@coreflux/test-support";
import { createMqttClient } from "../packages/mqtt-adapter/dist/index.js";
import { createFleet } from "../packages/shelly-simulator/dist/index.js";
import { startNodeRed } from "./nodered.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
const args = process.argv.slice(2);
const arg = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i === -1 ? fallback : args[i + 1];
};
const devices = Number(arg("devices", "10000"));
const maxMessages = Number(arg("messages", "1000000"));
const pacedS = arg("paced", undefined);
/** The aggregator's event-loop delay (max, p99; ms) from a /metrics text. */
const loopStats = (text) => {
  const value = (name) =>
    Number(
      text
        .split("\n")
        .find((l) => l.startsWith(`${name} `))
        ?.split(" ")[1],
    ) * 1000;
  /**
   * The longest run of each of the aggregator's own tasks since the previous scrape, ms, and
   * (Linux) the longest time its thread was on a CPU during one.
   */
  const tasksMaxMs = {};
  const tasksRunningMaxMs = {};
  for (const line of text.split("\n")) {
    const m = /^coreflux_event_loop_task_(running_)?max_seconds\{task="([a-z_]+)"\} (\S+)$/.exec(
      line,
    );
    if (m) (m[1] ? tasksRunningMaxMs : tasksMaxMs)[m[2]] = Number(m[3]) * 1000;
  }
  return {
    eventLoopMaxMs: value("coreflux_nodejs_eventloop_lag_max_seconds"),
    eventLoopP99Ms: value("coreflux_nodejs_eventloop_lag_p99_seconds"),
    tasksMaxMs,
    tasksRunningMaxMs,
  };
};
/** The steady window of a paced run starts this long after the simulator (ms)... */
const STEADY_FROM_MS = 40_000;
/** ...and ends this long before its simulated duration is over (ms). */
const STEADY_BEFORE_END_MS = 8_000;
/**
 * Paced runs: a minute of the simulated clock begins this long after the simulator's start, s.
 * Every Gen2 device reports its minute's energy in the 1.5 s after it (as real ones do), about
 * 110,000 messages at 100,000 devices: with the start left at "now", whether a run held that
 * burst depended on the second it began (827,422 or 936,809 messages in 40 s). A start 25 s
 * before a minute (a past one: devices' clocks never ahead of the aggregator's) puts it inside
 * the steady window of every run.
 */
const MINUTE_AT_S = 25;
const speed = arg("speed", "1");
const qos = Number(arg("qos", "1"));
const profileDir = arg("profile", undefined);
/** The aggregator's publish interval, s (the default 10 s unless a smoke run asks for less). */
const intervalS = Number(arg("interval", "10"));
/** `--journal false` runs the aggregator without its state journal (to measure what it costs). */
const journal = arg("journal", "true") !== "false";
/** `--write-hold-ms <ms>` sets `[mqtt] write_hold_ms` (default: the service's own default). */
const writeHoldMs = arg("write-hold-ms", undefined);
/**
 * `--history <minutes>`: the aggregator also writes a SQLite history with periods of that many
 * minutes (in the run's folder), so its writes are timed among the event-loop tasks.
 */
const historyMinutes = arg("history", undefined);
/** `--nodered <red.js>`: also run Node-RED's flow on the stream (bench/nodered.mjs installs it). */
const noderedJs = arg("nodered", undefined);
/**
 * The simulator's nice value (default: 10 in paced runs, 0 in a flood). It stands for devices on
 * the network, which take no CPU from the aggregator's machine; at equal priority its bursts (the
 * minute's reports) show up in a paced run as the aggregator waiting for a CPU. The broker, which
 * often does share the aggregator's machine, keeps its priority.
 */
const simNice = Number(arg("sim-nice", pacedS === undefined ? "0" : "10"));
/** Whether mosquitto_sub runs beside the aggregator (the CPU baseline; default: flood runs only). */
const withBaseline = arg("baseline", pacedS === undefined ? "true" : "false") !== "false";
const company = "Bench";
const log = (line) => process.stderr.write(`e2e: ${line}\n`);

// 10 offices × 20 rooms × N/200 devices, or smaller for a smoke run.
const offices = devices >= 200 ? 10 : 1;
const roomsPerOffice = devices >= 200 ? 20 : 1;
const devicesPerRoom = Math.max(1, Math.round(devices / (offices * roomsPerOffice)));
const fleetOptions = { seed: 1, company, offices, roomsPerOffice, devicesPerRoom };
const totalDevices = offices * roomsPerOffice * devicesPerRoom;

const CLK_TCK = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;

/** User + system CPU of a process so far, ms (from /proc/<pid>/stat). */
function cpuMsOf(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLK_TCK;
  } catch {
    return Number.NaN;
  }
}

/** The stalls bench/loop-stalls.cjs recorded in the aggregator, or undefined (not Linux). */
function readStalls(file) {
  try {
    return JSON.parse(readFileSync(file, "utf8"));
  } catch {
    return undefined;
  }
}

/**
 * Stalls of the event loop over 20 ms summed up: how many, the longest, the most the thread ran
 * during one (its own work and GC: what the code can answer for; the rest of a stall it waited
 * for a CPU, or slept), how many ran over 20 ms without their garbage collections, and the
 * five longest, each with `atS`, when it began in seconds from the simulator's start
 * (negative: the aggregator's start-up, before any reading).
 */
function stallSummary(list, streamStartEpochMs) {
  const worst = [...list].sort((a, b) => b.stallMs - a.stallMs).slice(0, 5);
  return {
    over20ms: list.length,
    maxMs: Math.max(0, ...list.map((x) => x.stallMs)),
    maxRunMs: Math.max(0, ...list.map((x) => x.runMs)),
    over20msRunning: list.filter((x) => x.runMs > 20).length,
    // Without the garbage collections inside them: the service's own code (and V8's compiler).
    over20msRunningLessGc: list.filter((x) => x.runMs - (x.gcMs ?? 0) > 20).length,
    maxGcMs: Math.max(0, ...list.map((x) => x.gcMs ?? 0)),
    worst: worst.map(({ atMs, stallMs, runMs, waitMs, gcMs }) => ({
      stallMs,
      runMs,
      waitMs,
      gcMs,
      atS: Math.round((atMs - stallMs - streamStartEpochMs) / 100) / 10,
    })),
  };
}

/** Peak resident set size of a process, MB (VmHWM). */
function peakRssMbOf(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1]);
    return kb / 1024;
  } catch {
    return Number.NaN;
  }
}

const dir = mkdtempSync(join(tmpdir(), "coreflux-e2e-bench-"));
const children = [];
let broker;
const stopAll = () => {
  for (const child of children) if (child.exitCode === null) child.kill("SIGKILL");
  broker?.stopNow();
};
process.on("exit", stopAll);

try {
  // 1. A private broker that queues without limit, so nobody's share of the stream is dropped.
  broker = await startMosquitto({
    config: () => ["persistence false", "max_queued_messages 0", "max_queued_bytes 0"],
    log: false,
  });
  const { port, url } = broker;
  log(`mosquitto on ${url}`);

  // 2. The baseline (unless --baseline false; paced runs leave it out by default): mosquitto_sub
  // printing each message's topic (to tell device messages from the aggregator's own output,
  // which both subscribers also receive).
  const filters = [`${company}/#`, "shellies/#"];
  const sub = !withBaseline
    ? undefined
    : spawn(
        "mosquitto_sub",
        [
          "-h",
          "127.0.0.1",
          "-p",
          String(port),
          "-q",
          String(qos),
          "-i",
          "bench-baseline",
          "-F",
          "%t",
          ...filters.flatMap((f) => ["-t", f]),
        ],
        {
          stdio: ["ignore", "pipe", "ignore"],
        },
      );
  if (sub) children.push(sub);
  const isOwnOutput = (topic) =>
    topic.endsWith("EnergyConsumed") || topic === `${company}/aggregator/status`;
  let baselineCount = 0;
  let baselineDeviceCount = 0;
  let baselineFirstMs = 0;
  let baselineLastMs = 0;
  let pending = "";
  sub?.stdout.setEncoding("utf8").on("data", (chunk) => {
    const now = performance.now();
    const lines = (pending + chunk).split("\n");
    pending = lines.pop() ?? "";
    for (const topic of lines) {
      baselineCount++;
      if (isOwnOutput(topic)) continue;
      baselineDeviceCount++;
      if (baselineFirstMs === 0) baselineFirstMs = now;
      baselineLastMs = now;
    }
  });

  // 3. The aggregator, with the fleet's placement rules for its Gen1 devices.
  const placements = createFleet(fleetOptions).placements();
  const statePath = join(dir, "state.json");
  writeFileSync(
    join(dir, "config.toml"),
    [
      `[company]\ntopic = "${company}/#"`,
      `[mqtt]\nurl = "${url}"\nclient_id = "bench-aggregator"\nqos = ${qos}${writeHoldMs === undefined ? "" : `\nwrite_hold_ms = ${Number(writeHoldMs)}`}`,
      `[publish]\ninterval_seconds = ${intervalS}\nnested = false`,
      `[state]\npath = "${statePath}"\njournal = ${journal}`,
      "[http]\nport = 0",
      ...(historyMinutes === undefined
        ? []
        : [
            `[history]\nurl = "sqlite:${join(dir, "history.db")}"\nperiod_minutes = ${Number(historyMinutes)}`,
          ]),
      '[log]\nlevel = "info"\nformat = "json"',
      `[limits]\nmax_devices = ${Math.max(20_000, totalDevices + 1000)}`,
      ...placements.map((p) => `[[devices]]\nmatch = "${p.match}"\npath = "${p.path}"`),
      "",
    ].join("\n"),
  );
  const profileArgs = profileDir ? ["--cpu-prof", `--cpu-prof-dir=${profileDir}`] : [];
  // Paced runs: each stall of the event loop, and how much of it the aggregator was running.
  const stallArgs = pacedS === undefined ? [] : ["--require", join(root, "bench/loop-stalls.cjs")];
  if (profileDir) mkdirSync(profileDir, { recursive: true });
  const aggregator = spawn(
    process.execPath,
    [
      ...profileArgs,
      ...stallArgs,
      // For experiments: extra Node options for the aggregator alone (e.g. --trace-gc).
      ...(arg("aggregator-node-args", "").split(" ").filter(Boolean) ?? []),
      join(root, "apps/aggregator/dist/cli.js"),
      "--config",
      join(dir, "config.toml"),
    ],
    {
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  children.push(aggregator);
  let aggregatorLog = "";
  aggregator.stdout.on("data", (c) => {
    aggregatorLog += c;
  });
  aggregator.stderr.on("data", (c) => {
    aggregatorLog += c;
  });
  let httpBase;
  await waitUntil(
    () => {
      for (const line of aggregatorLog.split("\n")) {
        if (line.includes('"HTTP listener: /healthz and /metrics"'))
          httpBase = JSON.parse(line).url;
      }
      return httpBase !== undefined;
    },
    "the aggregator's HTTP listener",
    10_000,
  );
  const metricsUrl = `${httpBase}/metrics`;
  const metric = async (name) => {
    const text = await (await fetch(metricsUrl)).text();
    const line = text.split("\n").find((l) => l.startsWith(`${name} `));
    return line ? Number(line.split(" ")[1]) : 0;
  };
  /**
   * Device messages the aggregator received (its own output, which it also receives, excluded).
   * Read from /healthz: cheaper for the aggregator than rendering /metrics at this rate.
   */
  const healthUrl = `${httpBase}/healthz`;
  const deviceMessages = async () => {
    const health = await (await fetch(healthUrl)).json();
    return health.messagesReceived - health.ownOutputReceived;
  };
  await waitUntil(
    async () => (await metric("coreflux_broker_connected")) === 1,
    "the aggregator to connect",
    10_000,
  );
  await sleep(500);
  log(`aggregator pid ${aggregator.pid}, metrics ${metricsUrl}; fleet of ${totalDevices} devices`);

  // 3b. Optionally Node-RED, the tool people use instead, on the same stream.
  let nodered;
  if (noderedJs) {
    nodered = await startNodeRed({
      redJs: noderedJs,
      url,
      dir: join(dir, "node-red"),
      placements,
      log,
    });
    children.push(nodered.child);
  }

  // 4. Flood.
  const cpu0 = {
    aggregator: cpuMsOf(aggregator.pid),
    sub: sub ? cpuMsOf(sub.pid) : 0,
    nodered: nodered ? cpuMsOf(nodered.child.pid) : 0,
  };
  const noderedCount0 = nodered ? (await nodered.ask("count")).device : 0;
  const received0 = await deviceMessages();
  const truthFile = join(dir, "truth.json");
  const simStarted = performance.now();
  const streamStartEpochMs = Date.now();
  const sim = spawn(
    process.execPath,
    [
      join(root, "packages/shelly-simulator/dist/cli.js"),
      "--url",
      url,
      "--company",
      company,
      "--offices",
      String(offices),
      "--rooms",
      String(roomsPerOffice),
      "--devices",
      String(devicesPerRoom),
      "--seed",
      "1",
      ...(pacedS === undefined
        ? ["--flood", "--max-messages", String(maxMessages)]
        : [
            "--speed",
            speed,
            "--duration",
            String(pacedS),
            "--start",
            String(Math.floor(Date.now() / 60_000) * 60_000 - MINUTE_AT_S * 1000),
          ]),
      "--qos",
      String(qos),
      "--truth-file",
      truthFile,
      "--quiet",
    ],
    { stdio: ["ignore", "ignore", "inherit"] },
  );
  children.push(sim);
  if (simNice !== 0) setPriority(sim.pid, simNice);
  let simCpuMs = 0;
  const simSampler = setInterval(() => {
    const v = cpuMsOf(sim.pid);
    if (Number.isFinite(v)) simCpuMs = v;
  }, 100);
  // Aggregator throughput: sample its received counter while the stream flows.
  let aggregatorFirstMs = 0;
  let aggregatorLastMs = 0;
  let aggregatorLastCount = received0;
  const sampleAggregator = async () => {
    const count = await deviceMessages();
    const now = performance.now();
    if (count > aggregatorLastCount) {
      if (aggregatorFirstMs === 0) aggregatorFirstMs = now;
      aggregatorLastMs = now;
      aggregatorLastCount = count;
    }
    return count;
  };
  // Paced: the event loop over a steady window too, once the fleet is known (its first
  // readings create 100,000 devices' nodes) and before the simulator's last burst (every
  // channel's final counter and every device's "online false" at once, as fast as it can).
  let steadyWindow;
  let steadyEpochMs;
  const loopParts = [];
  const steadyWindowDone =
    pacedS === undefined
      ? Promise.resolve()
      : (async () => {
          const wallMs = (Number(pacedS) / Number(speed)) * 1000;
          const fromMs = Math.min(STEADY_FROM_MS, wallMs / 3);
          const toMs = wallMs - STEADY_BEFORE_END_MS;
          if (toMs - fromMs < 20_000) return;
          await sleep(fromMs);
          // Each scrape reads the monitor since the previous one, then resets it.
          loopParts.push(loopStats(await (await fetch(metricsUrl)).text()));
          const fromEpochMs = Date.now();
          await sleep(toMs - fromMs);
          const inWindow = loopStats(await (await fetch(metricsUrl)).text());
          loopParts.push(inWindow);
          steadyWindow = { fromS: fromMs / 1000, toS: toMs / 1000, ...inWindow };
          steadyEpochMs = [fromEpochMs, Date.now()];
        })();
  const simExit = new Promise((resolve) => sim.once("exit", (code) => resolve(code)));
  let simCode;
  while (simCode === undefined) {
    simCode = await Promise.race([simExit, sleep(100).then(() => undefined)]);
    await sampleAggregator();
  }
  clearInterval(simSampler);
  const simWallMs = performance.now() - simStarted;
  if (simCode !== 0) throw new Error(`shelly-sim exited with ${simCode}`);
  const truth = JSON.parse(readFileSync(truthFile, "utf8"));
  log(`simulator published ${truth.messages} messages in ${(simWallMs / 1000).toFixed(1)} s`);

  // 5. Let both subscribers drain the stream.
  const published = truth.messages;
  let stable = 0;
  let previous = -1;
  while (stable < 20) {
    const count = await sampleAggregator();
    stable = count === previous ? stable + 1 : 0;
    previous = count;
    await sleep(100);
  }
  const cpu1 = { aggregator: cpuMsOf(aggregator.pid), sub: sub ? cpuMsOf(sub.pid) : 0 };
  const aggregatorReceived = aggregatorLastCount - received0;
  log(
    `device messages received: aggregator ${aggregatorReceived}${sub ? `, mosquitto_sub ${baselineDeviceCount}` : ""} (of ${published})`,
  );
  // Node-RED may lag behind the stream: wait until its count stops moving (2 s), at most 10 min.
  let noderedCount;
  let noderedCpu1;
  if (nodered) {
    const deadline = Date.now() + 600_000;
    let same = 0;
    let last = -1;
    while (same < 8 && Date.now() < deadline) {
      // The question queues behind the messages Node-RED has not handled yet: wait for it.
      noderedCount = await nodered.ask("count", Math.max(deadline - Date.now(), 1000));
      same = noderedCount.device === last ? same + 1 : 0;
      last = noderedCount.device;
      await sleep(250);
    }
    noderedCpu1 = cpuMsOf(nodered.child.pid);
    log(`device messages received by Node-RED: ${noderedCount.device - noderedCount0}`);
  }

  // 6. Loss: compare every retained aggregate with the truth, once two publish cycles have
  // passed with nothing left waiting to be published (a large fleet's last changes take more
  // than a cycle to go out).
  const publishCycles = () =>
    aggregatorLog
      .split("\n")
      .filter((line) => line.includes('"msg":"publish cycle"'))
      .map((line) => JSON.parse(line));
  const cyclesBefore = publishCycles().length;
  await waitUntil(
    () =>
      publishCycles()
        .slice(cyclesBefore)
        .filter((c) => c.waiting === 0).length >= 2,
    "two publish cycles with nothing waiting",
    600_000,
  );
  await sleep(1000);
  const retained = new Map();
  const reader = createMqttClient({
    url,
    clientId: "bench-reader",
    subscriptions: [{ filter: `${company}/#`, qos: 1 }],
  });
  reader.onMessage((topic, payload) => {
    if (topic.endsWith("EnergyConsumed")) retained.set(topic, JSON.parse(payload.toString("utf8")));
  });
  await reader.connect({ timeoutMs: 10_000 });
  const expectedTopics = 1 + offices + offices * roomsPerOffice + totalDevices;
  await waitUntil(
    () => retained.size >= expectedTopics,
    `${expectedTopics} retained aggregates`,
    30_000,
  ).catch(() => {});
  await reader.close();
  const mwh = (wh) => Math.round(wh * 1000);
  let checked = 0;
  let mismatched = 0;
  const examples = [];
  const compare = (topic, truthMwh) => {
    checked++;
    const p = retained.get(topic);
    const got = p ? mwh(p.TotalEnergy ?? p.TotalEnergyConsumed) : undefined;
    if (got !== truthMwh) {
      mismatched++;
      if (examples.length < 5) examples.push({ topic, aggregatorMwh: got, truthMwh });
      if (mismatched === 1) log(`loss: ${topic}: aggregator ${got} mWh, truth ${truthMwh} mWh`);
    }
  };
  compare(`${company}/CompanyEnergyConsumed`, truth.energyMwh);
  for (const [path, t] of Object.entries(truth.offices))
    compare(`${path}/OfficeEnergyConsumed`, t.energyMwh);
  for (const [path, t] of Object.entries(truth.rooms))
    compare(`${path}/RoomEnergyConsumed`, t.energyMwh);
  for (const [path, t] of Object.entries(truth.devices))
    compare(`${path}/status/EnergyConsumed`, t.energyMwh);
  const companyPayload = retained.get(`${company}/CompanyEnergyConsumed`);

  // 6b. Node-RED's totals (Wh, floating point) against the same truth, room by room.
  let noderedResult;
  if (nodered) {
    const totals = await nodered.ask("totals", 120_000);
    const errors = [];
    const check = (path, got, truthMwh) => {
      const gotMwh = got === undefined ? 0 : Math.round(got * 1000);
      errors.push({ path, noderedMwh: gotMwh, truthMwh, errorMwh: gotMwh - truthMwh });
    };
    check(company, totals.company, truth.energyMwh);
    for (const [path, t] of Object.entries(truth.offices))
      check(path, totals.offices[path], t.energyMwh);
    for (const [path, t] of Object.entries(truth.rooms))
      check(path, totals.rooms[path], t.energyMwh);
    const rooms = errors.filter((e) => e.path.split("/").length === 3);
    const worst = [...rooms].sort((a, b) => Math.abs(b.errorMwh) - Math.abs(a.errorMwh));
    const received = noderedCount.device - noderedCount0;
    const cpuMs = noderedCpu1 - cpu0.nodered;
    const seconds = (noderedCount.lastMs - noderedCount.firstMs) / 1000;
    noderedResult = {
      tool: "Node-RED",
      version: /Node-RED version: v(\S+)/.exec(nodered.log())?.[1] ?? null,
      flow: "bench/nodered/flows.json",
      messagesReceived: received,
      otherReceived: noderedCount.other,
      seconds,
      msgsPerS: received / Math.max(seconds, 0.001),
      cpuMs,
      cpuUsPerMessage: (cpuMs * 1000) / Math.max(received, 1),
      peakRssMB: peakRssMbOf(nodered.child.pid),
      totals: {
        checked: errors.length,
        mismatched: errors.filter((e) => e.errorMwh !== 0).length,
        roomsMismatched: rooms.filter((e) => e.errorMwh !== 0).length,
        rooms: rooms.length,
        roomMaxAbsErrorMwh: Math.abs(worst[0]?.errorMwh ?? 0),
        roomSumAbsErrorMwh: rooms.reduce((sum, e) => sum + Math.abs(e.errorMwh), 0),
        companyNoderedMwh: errors[0].noderedMwh,
        companyTruthMwh: truth.energyMwh,
        companyErrorMwh: errors[0].errorMwh,
        examples: worst.slice(0, 3),
      },
    };
    await nodered.close();
  }

  // 6c. How long the aggregator's event loop stood still at most (and its p99) since the scrape
  // that saw it connect: prom-client's event-loop monitor (perf_hooks.monitorEventLoopDelay,
  // 10 ms resolution) resets at each scrape of /metrics; only a paced run's window scrapes it in
  // between (its parts are combined).
  await steadyWindowDone;
  loopParts.push(loopStats(await (await fetch(metricsUrl)).text()));
  // Over the whole run: the largest delay of its parts; p99 the largest part's p99 (an upper
  // bound when the run was read in parts).
  const eventLoop = {
    maxMs: Math.max(...loopParts.map((p) => p.eventLoopMaxMs)),
    p99Ms: Math.max(...loopParts.map((p) => p.eventLoopP99Ms)),
    tasksMaxMs: {},
    tasksRunningMaxMs: {},
  };
  for (const part of loopParts) {
    for (const key of ["tasksMaxMs", "tasksRunningMaxMs"]) {
      for (const [task, ms] of Object.entries(part[key]))
        eventLoop[key][task] = Math.max(eventLoop[key][task] ?? 0, ms);
    }
  }

  // 7. Stop everything; the aggregator writes its CPU profile on a clean exit.
  const aggregatorPeakRss = peakRssMbOf(aggregator.pid);
  const subPeakRss = sub ? peakRssMbOf(sub.pid) : 0;
  aggregator.kill("SIGTERM");
  await new Promise((resolve) => aggregator.once("exit", resolve));
  const stalls = readStalls(join(dir, "loop-stalls.json"));
  if (steadyWindow !== undefined && stalls !== undefined) {
    const [from, to] = steadyEpochMs;
    steadyWindow.stalls = stallSummary(
      stalls.filter((x) => x.atMs >= from && x.atMs <= to),
      streamStartEpochMs,
    );
  }
  const keepLog = arg("aggregator-log", undefined);
  if (keepLog !== undefined) writeFileSync(keepLog, aggregatorLog);
  // Paced runs: every stall recorded, with the simulator's start (for bench/stall-profile.mjs).
  const stallsOut = arg("stalls-out", undefined);
  if (stallsOut !== undefined && stalls !== undefined)
    writeFileSync(stallsOut, JSON.stringify({ streamStartEpochMs, stalls }));
  sub?.kill("SIGTERM");
  if (nodered) {
    nodered.child.kill("SIGTERM");
    await new Promise((resolve) => nodered.child.once("exit", resolve));
  }
  await broker.stop();

  const aggregatorCpuMs = cpu1.aggregator - cpu0.aggregator;
  const subCpuMs = cpu1.sub - cpu0.sub;
  // Both windows start when the stream started reaching the subscribers (mosquitto_sub sees each
  // message as it arrives; the aggregator's counter is sampled every 100 ms) and end at the last
  // device message each one had taken in.
  const streamStartMs = Math.min(
    baselineFirstMs || Number.POSITIVE_INFINITY,
    aggregatorFirstMs || Number.POSITIVE_INFINITY,
  );
  const aggregatorSeconds = (aggregatorLastMs - streamStartMs) / 1000;
  const baselineSeconds = (baselineLastMs - streamStartMs) / 1000;
  const result = {
    benchmark: "e2e",
    devices: totalDevices,
    /**
     * "flood", or { pacedS, speed, minuteAtS, simNice }: the simulator's schedule, when its first
     * minute began (simulated s after its start) and its nice value.
     */
    load:
      pacedS === undefined
        ? "flood"
        : { pacedS: Number(pacedS), speed: Number(speed), minuteAtS: MINUTE_AT_S, simNice },
    models:
      "the simulator's default mix (Plus Plug S, Pro 4PM, PM Mini, Pro 3EM, Gen1 Plug S, Gen1 EM)",
    qos,
    stateJournal: journal,
    /** Period width of the SQLite history the aggregator wrote, minutes (absent: none). */
    ...(historyMinutes === undefined ? {} : { historyPeriodMinutes: Number(historyMinutes) }),
    messagesPublished: published,
    /** Faults the simulator injected, by kind (none unless it was given --faults). */
    faults: truth.faults,
    simulator: {
      seconds: simWallMs / 1000,
      msgsPerS: published / (simWallMs / 1000),
      cpuMs: simCpuMs,
    },
    aggregator: {
      messagesReceived: aggregatorReceived,
      seconds: aggregatorSeconds,
      msgsPerS: aggregatorReceived / Math.max(aggregatorSeconds, 0.001),
      cpuMs: aggregatorCpuMs,
      cpuUsPerMessage: (aggregatorCpuMs * 1000) / Math.max(aggregatorReceived, 1),
      totalReceivedIncludingOwnOutput: aggregatorLastCount,
      peakRssMB: aggregatorPeakRss,
      /** Event-loop delay over the run (stream, publish cycles, state writes), ms. */
      eventLoopMaxMs: eventLoop.maxMs,
      eventLoopP99Ms: eventLoop.p99Ms,
      /** The longest run of each of the aggregator's own tasks over the run, ms (its /metrics). */
      tasksMaxMs: eventLoop.tasksMaxMs,
      /** Linux: the longest time the thread was on a CPU during one of those tasks, ms. */
      tasksRunningMaxMs: eventLoop.tasksRunningMaxMs,
      /**
       * Paced runs: the stalls over 20 ms of the whole run (start-up included, the stop's final
       * write not), each split into the time the aggregator's thread ran and waited for a CPU.
       */
      ...(stalls === undefined ? {} : { stalls: stallSummary(stalls, streamStartEpochMs) }),
      /** Paced runs: the same over the steady window (fleet known, before the last burst). */
      ...(steadyWindow === undefined ? {} : { steadyWindow }),
    },
    /** The CPU baseline (absent when it did not run: paced runs by default). */
    baseline: sub && {
      tool: "mosquitto_sub",
      messagesReceived: baselineDeviceCount,
      totalReceivedIncludingOwnOutput: baselineCount,
      seconds: baselineSeconds,
      msgsPerS: baselineDeviceCount / Math.max(baselineSeconds, 0.001),
      cpuMs: subCpuMs,
      cpuUsPerMessage: (subCpuMs * 1000) / Math.max(baselineDeviceCount, 1),
      peakRssMB: subPeakRss,
    },
    loss: {
      exact: mismatched === 0 && checked === expectedTopics,
      checked,
      mismatched,
      examples,
      companyTruthMwh: truth.energyMwh,
      companyAggregatorMwh: companyPayload ? mwh(companyPayload.TotalEnergy) : null,
    },
  };
  if (result.baseline) {
    result.cpuRatio = result.aggregator.cpuUsPerMessage / result.baseline.cpuUsPerMessage;
    result.throughputRatio = result.aggregator.msgsPerS / result.baseline.msgsPerS;
  }
  if (noderedResult) {
    result.nodered = noderedResult;
    if (result.baseline)
      result.noderedCpuRatio = noderedResult.cpuUsPerMessage / result.baseline.cpuUsPerMessage;
  }
  if (profileDir) {
    // Node names each thread's profile CPU.<date>.<time>.<pid>.<thread>.<seq>.cpuprofile: the
    // main thread's (0) is the intake's; the state writer's thread has its own (1 and up).
    const profiles = readdirSync(profileDir)
      .filter((f) => f.endsWith(".cpuprofile"))
      .sort()
      .map((f) => join(profileDir, f));
    const main = profiles.filter((f) => /\.\d+\.0\.\d+\.cpuprofile$/.test(f)).at(-1);
    if (main) result.profile = { file: main.replace(root, ""), ...profileSummary(main, 15) };
    const writer = profiles
      .filter((f) => f !== main && /\.\d+\.[1-9]\d*\.\d+\.cpuprofile$/.test(f))
      .at(-1);
    if (writer)
      result.writerProfile = { file: writer.replace(root, ""), ...profileSummary(writer, 10) };
  }
  process.stdout.write(`${JSON.stringify(result)}\n`);
} finally {
  stopAll();
  rmSync(dir, { recursive: true, force: true });
}

/**
 * Where the profiled process spent its CPU (idle excluded): the functions with the most self
 * time, and the self time summed by module (our packages, mqtt.js and its parts, Node internals,
 * garbage collection), each as a percentage of the busy time.
 */
function profileSummary(file, count) {
  const profile = JSON.parse(readFileSync(file, "utf8"));
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const functions = new Map();
  const modules = new Map();
  let busy = 0;
  profile.samples.forEach((id, i) => {
    const frame = byId.get(id).callFrame;
    if (frame.functionName === "(idle)") return;
    const us = profile.timeDeltas[i] ?? 0;
    busy += us;
    const url = frame.url ?? "";
    const module = url.includes("node_modules/.pnpm/")
      ? url.replace(/^.*node_modules\/\.pnpm\/([^@/]*@?[^@/]+)@.*$/, "$1")
      : url.startsWith("node:")
        ? "node internals"
        : url.includes("/packages/")
          ? `@coreflux/${url.replace(/^.*\/packages\/([^/]+)\/.*$/, "$1")}`
          : url.includes("/apps/aggregator/")
            ? "@coreflux/aggregator"
            : frame.functionName.startsWith("(")
              ? frame.functionName
              : "native (syscalls, V8 builtins)";
    const name = `${frame.functionName || "(anonymous)"}${url ? ` (${module})` : ""}`;
    functions.set(name, (functions.get(name) ?? 0) + us);
    modules.set(module, (modules.get(module) ?? 0) + us);
  });
  const top = (map, n) =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([name, us]) => ({ name, percent: Number(((us / busy) * 100).toFixed(1)) }));
  return { busyMs: Math.round(busy / 1000), top: top(functions, count), modules: top(modules, 12) };
}

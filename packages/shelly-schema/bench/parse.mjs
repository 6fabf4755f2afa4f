// Throughput benchmark of parseShellyMessage on one thread, against the built package (dist/).
// Run: pnpm --filter @coreflux/shelly-schema bench   (builds, then runs this file)
//      node bench/parse.mjs [--json] [--rounds N]
// Prints a table, then the same results as one line of JSON (only the JSON with --json).
import { cpus, loadavg } from "node:os";
import { parseShellyMessage } from "../dist/index.js";

const args = process.argv.slice(2);
const jsonOnly = args.includes("--json");
const roundsArg = args.indexOf("--rounds");
const ROUNDS = roundsArg >= 0 ? Number(args[roundsArg + 1]) : 15;
/** Messages per timed round. */
const MESSAGES_PER_ROUND = 100_000;

const CASES = [
  {
    name: "Gen2 status/switch:0",
    topic: "shellyplus1pm-a8032ab1c2d3/status/switch:0",
    payload:
      '{"id":0, "source":"HTTP_in", "output":true, "apower":231.6, "voltage":230.4, "freq":50.0, "current":1.012, "aenergy":{"total":12873.402,"by_minute":[3861.220,3859.871,3862.004],"minute_ts":1718200020},"temperature":{"tC":43.9, "tF":111.0}}',
    kind: "status",
    target: 400_000,
  },
  {
    name: "Gen2 events/rpc NotifyStatus",
    topic: "shellyplus1pm-a8032ab1c2d3/events/rpc",
    payload:
      '{"src":"shellyplus1pm-a8032ab1c2d3","dst":"shellyplus1pm-a8032ab1c2d3/events","method":"NotifyStatus","params":{"ts":1718200031.77,"switch:0":{"id":0,"apower":228.9,"current":1.001}}}',
    kind: "notification",
    target: 250_000,
  },
  {
    name: "Gen2 status/emdata:0 (Pro 3EM)",
    topic: "Coreflux/Porto/Basement/Pro3EM/status/emdata:0",
    payload:
      '{"id":0,"a_total_act_energy":1204512.33,"a_total_act_ret_energy":12.05,"b_total_act_energy":98321.70,"b_total_act_ret_energy":774102.18,"c_total_act_energy":402211.96,"c_total_act_ret_energy":0.00,"total_act":1705045.99,"total_act_ret":774114.23}',
    kind: "status",
  },
  {
    name: "Gen2 status/em:0 (Pro 3EM)",
    topic: "Coreflux/Porto/Basement/Pro3EM/status/em:0",
    payload:
      '{"id":0,"a_current":2.103,"a_voltage":229.8,"a_act_power":451.2,"a_aprt_power":483.3,"a_pf":0.93,"a_freq":50.0,"b_current":5.872,"b_voltage":231.1,"b_act_power":-1342.5,"b_aprt_power":1357.0,"b_pf":-0.99,"b_freq":50.0,"c_current":0.911,"c_voltage":230.2,"c_act_power":160.4,"c_aprt_power":209.7,"c_pf":0.76,"c_freq":50.0,"n_current":null,"total_current":8.886,"total_act_power":-730.900,"total_aprt_power":2050.000,"user_calibrated_phase":[]}',
    kind: "status",
  },
  {
    name: "Gen1 relay/0/energy (Wmin)",
    topic: "shellies/shellyplug-s-7AD4B1/relay/0/energy",
    payload: "201877",
    kind: "gen1-value",
  },
  {
    name: "Gen1 emeter/0/power",
    topic: "shellies/shellyem-7C87CE/emeter/0/power",
    payload: "-1498.12",
    kind: "gen1-value",
  },
];

/** Copies of the payload bytes (a broker delivers a fresh Buffer per message). */
function payloadPool(text) {
  return Array.from({ length: 64 }, () => Buffer.from(text));
}

function check(result, testCase) {
  if (
    !result.ok ||
    result.message.kind !== testCase.kind ||
    !Array.isArray(result.message.readings)
  ) {
    throw new Error(`${testCase.name}: unexpected result ${JSON.stringify(result)}`);
  }
}

/**
 * One timed round; returns messages per wall-clock second and per second of process CPU time.
 * `freshTopics`: every message gets a new topic string decoded from bytes inside the timed loop,
 * as mqtt.js delivers them (so this includes ~0.1 µs of string creation that is not parser work);
 * otherwise one topic string is reused.
 */
function round(testCase, payloads, freshTopics) {
  const topicBytes = Buffer.from(testCase.topic);
  const topic = testCase.topic;
  let sink = 0;
  const cpuBefore = process.cpuUsage();
  const started = process.hrtime.bigint();
  for (let i = 0; i < MESSAGES_PER_ROUND; i++) {
    const t = freshTopics ? topicBytes.toString("utf8") : topic;
    const result = parseShellyMessage(t, payloads[i & 63]);
    sink += result.ok ? 1 : 0;
  }
  const elapsedNs = Number(process.hrtime.bigint() - started);
  const cpu = process.cpuUsage(cpuBefore);
  if (sink !== MESSAGES_PER_ROUND) throw new Error(`${testCase.name}: a message failed`);
  return {
    wall: (MESSAGES_PER_ROUND * 1e9) / elapsedNs,
    cpu: (MESSAGES_PER_ROUND * 1e6) / (cpu.user + cpu.system),
  };
}

function measure(testCase) {
  const payloads = payloadPool(testCase.payload);
  check(parseShellyMessage(testCase.topic, payloads[0]), testCase);
  round(testCase, payloads, true); // warm-up: let the JIT settle
  const fresh = [];
  const reused = [];
  for (let r = 0; r < ROUNDS; r++) {
    fresh.push(round(testCase, payloads, true));
    reused.push(round(testCase, payloads, false));
  }
  const wall = fresh.map((r) => r.wall).sort((a, b) => a - b);
  const best = wall[wall.length - 1];
  const median = wall[Math.floor(wall.length / 2)];
  return {
    name: testCase.name,
    payloadBytes: Buffer.byteLength(testCase.payload),
    input: "Uint8Array",
    bestPerSecond: Math.round(best),
    medianPerSecond: Math.round(median),
    bestPerCpuSecond: Math.round(Math.max(...fresh.map((r) => r.cpu))),
    bestPerSecondReusedTopic: Math.round(Math.max(...reused.map((r) => r.wall))),
    nsPerMessage: Math.round(1e9 / best),
    targetPerSecond: testCase.target ?? null,
    // Judged on the best fresh-topic round: the least disturbed by other processes.
    meetsTarget: testCase.target === undefined ? null : best >= testCase.target,
  };
}

const results = CASES.map(measure);
const report = {
  date: new Date().toISOString(),
  node: process.version,
  cpu: cpus()[0]?.model ?? "unknown",
  loadAverage1m: Number(loadavg()[0].toFixed(2)),
  rounds: ROUNDS,
  messagesPerRound: MESSAGES_PER_ROUND,
  results,
};

if (!jsonOnly) {
  const rows = [
    ["case", "bytes", "best msg/s", "median msg/s", "reused topic", "ns/msg", "target"],
    ...results.map((r) => [
      r.name,
      String(r.payloadBytes),
      r.bestPerSecond.toLocaleString("en-US"),
      r.medianPerSecond.toLocaleString("en-US"),
      r.bestPerSecondReusedTopic.toLocaleString("en-US"),
      String(r.nsPerMessage),
      r.targetPerSecond === null
        ? ""
        : `${r.targetPerSecond.toLocaleString("en-US")} ${r.meetsTarget ? "ok" : "MISSED"}`,
    ]),
  ];
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
  console.log(
    `${report.date}  Node ${report.node}  ${report.cpu}  load ${report.loadAverage1m}  ` +
      `(${ROUNDS} rounds × ${MESSAGES_PER_ROUND} messages, one thread)`,
  );
  for (const row of rows)
    console.log(row.map((cell, column) => cell.padEnd(widths[column])).join("  "));
}
console.log(JSON.stringify(report));

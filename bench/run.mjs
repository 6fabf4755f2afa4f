#!/usr/bin/env node
// `pnpm bench`: runs every benchmark against the built packages and writes BENCHMARKS.md and
// bench/results.json. `--smoke` runs each one at a tiny size in seconds and writes nothing in
// the repository (CI runs it to prove the scripts still work, and that the committed BENCHMARKS.md
// is what the report makes of the committed bench/results.json); `--only schema,engine,...`
// picks benchmarks (schema, engine, oracle, adapter, history, e2e, stall, nodered); `--out <dir>` writes
// the report elsewhere. `nodered` (the end-to-end stream into a Node-RED flow beside the
// aggregator, installing node-red from npm into a cache folder) is never part of `--smoke`, and is
// skipped with a message, never an error, when Node-RED cannot be installed or run;
// `--nodered-devices` / `--nodered-messages` shrink it (default 10000 / 1000000, as e2e).
// `stall` (100,000 devices at a quarter of real time, twice: without and with a SQLite history,
// about 9 minutes: the event-loop delay of publish cycles, state writes and history writes at
// that size) is not part of `--smoke` either. `--render` only writes BENCHMARKS.md again from
// bench/results.json (after a note there was edited).
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { renderReport } from "./report.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
const args = process.argv.slice(2);
const smoke = args.includes("--smoke");
const arg = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i === -1 ? fallback : args[i + 1];
};
if (args.includes("--render")) {
  // Only BENCHMARKS.md again from bench/results.json (after editing a note there): runs nothing.
  const saved = JSON.parse(readFileSync(join(root, "bench", "results.json"), "utf8"));
  writeFileSync(join(root, "BENCHMARKS.md"), renderReport(saved));
  process.stderr.write("bench: rendered BENCHMARKS.md from bench/results.json\n");
  process.exit(0);
}
const requested = arg(
  "only",
  `schema,engine,oracle,adapter,history,e2e${smoke ? "" : ",stall,nodered"}`,
).split(",");
// CI runs the smoke run: it never installs or starts Node-RED, nor floods 100,000 devices.
const notSmoke = ["stall", "nodered"];
const only = smoke ? requested.filter((s) => !notSmoke.includes(s)) : requested;
if (only.length < requested.length)
  process.stderr.write(`bench: ${notSmoke.join(" and ")} are not part of --smoke\n`);
/** Sections asked for that did not run this time (their previous figures, if any, stay). */
const skipped = new Map();
const outDir = arg("out", smoke ? mkdtempSync(join(tmpdir(), "coreflux-bench-smoke-")) : root);

/** Runs a bench script and returns the JSON it prints last. */
function runJson(label, command, commandArgs) {
  process.stderr.write(`bench: ${label} ...\n`);
  const started = Date.now();
  const output = execFileSync(command, commandArgs, {
    cwd: root,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
    maxBuffer: 64 * 1024 * 1024,
  });
  const json = output
    .trim()
    .split("\n")
    .reverse()
    .find((line) => line.trim().startsWith("{"));
  if (!json) throw new Error(`${label} printed no JSON result:\n${output.slice(-2000)}`);
  process.stderr.write(`bench: ${label} done in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  return JSON.parse(json);
}

const node = process.execPath;
/**
 * The aggregator's Node options in the e2e section's comparison runs: V8's own heap growth, not
 * the 50 % the service sets for itself (apps/aggregator/src/heap-tuning.ts).
 */
const V8_DEFAULT_ARGS = "--heap-growing-percent=0";
// A partial run (--only) updates the sections it ran in the existing results.
const previous =
  !smoke && args.includes("--only")
    ? JSON.parse(readFileSync(join(outDir, "bench", "results.json"), "utf8"))
    : {};
const results = {
  ...previous,
  machine: {
    date: new Date().toISOString().slice(0, 10),
    cpu: cpus()[0]?.model ?? "unknown",
    cores: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    loadAverageAtStart: loadavg().map((l) => Number(l.toFixed(2))),
  },
  smoke,
};

if (only.includes("schema")) {
  results.schema = runJson("schema parse rate", node, [
    "packages/shelly-schema/bench/parse.mjs",
    "--json",
    "--rounds",
    smoke ? "1" : "15",
  ]);
}
if (only.includes("engine")) {
  // Each size in a fresh process, as a service runs one engine: in one process, code that V8
  // optimised for the previous size's restored columns ran the next size's ingest 40 % slower.
  const sizes = smoke ? [1000] : [1000, 10_000, 100_000, 1_000_000];
  const runs = sizes.map((meters) =>
    runJson(`engine ingest, memory, changes, snapshot at ${meters} meters`, node, [
      "--expose-gc",
      "packages/hierarchy/bench/engine.mjs",
      "--json",
      `--meters=${meters}`,
    ]),
  );
  results.engine = { ...runs[0], results: runs.flatMap((r) => r.results) };
}
if (only.includes("oracle")) {
  results.oracle = runJson("engine against the oracle", node, [
    "packages/hierarchy/bench/oracle.mjs",
    "--report-only",
    "--readings",
    smoke ? "200000" : "10000000",
  ]);
}
if (only.includes("adapter")) {
  results.adapter = runJson("mqtt-adapter intake", node, [
    "packages/mqtt-adapter/bench/intake.mjs",
    "--count",
    smoke ? "2000" : "100000",
    "--reps",
    smoke ? "1" : "5",
  ]);
}
if (only.includes("history")) {
  results.history = runJson("history write per publish cycle", node, [
    "packages/history/bench/write.mjs",
    "--json",
    "--nodes",
    smoke ? "100" : "1000",
    "--cycles",
    smoke ? "5" : "120",
    ...(smoke ? [] : ["--mariadb", "auto"]),
  ]);
  // A publish cycle of a 100,000-device company at a new period: every node changed.
  if (!smoke) {
    results.history.large = runJson("history write of 100,000 rows", node, [
      "packages/history/bench/write.mjs",
      "--json",
      "--nodes",
      "100000",
      "--cycles",
      "5",
    ]);
  }
}
if (only.includes("e2e")) {
  const e2eArgs = [
    "bench/e2e.mjs",
    "--devices",
    smoke ? "50" : "10000",
    ...(smoke ? ["--interval", "1"] : []),
  ];
  // The median of three runs by CPU ratio (the machine's speed drifts between runs); every
  // run's figures are kept beside it. Between them, two runs with V8's own heap growth
  // (V8_DEFAULT_ARGS): what the service's heap setting saves at this size.
  const e2eRuns = [];
  const defaultHeapRuns = [];
  for (let run = 1; run <= (smoke ? 1 : 3); run++) {
    e2eRuns.push(
      runJson(`end to end (run ${run})`, node, [
        ...e2eArgs,
        "--messages",
        smoke ? "3000" : "1000000",
      ]),
    );
    if (smoke || run === 3) continue;
    defaultHeapRuns.push(
      runJson(`end to end, ${V8_DEFAULT_ARGS} (run ${run})`, node, [
        ...e2eArgs,
        "--messages",
        "1000000",
        "--aggregator-node-args",
        V8_DEFAULT_ARGS,
      ]),
    );
  }
  const byRatio = [...e2eRuns].sort((x, y) => x.cpuRatio - y.cpuRatio);
  results.e2e = {
    ...byRatio[Math.floor(byRatio.length / 2)],
    runs: e2eRuns.map((x) => ({
      cpuRatio: x.cpuRatio,
      aggregatorCpuUsPerMessage: x.aggregator.cpuUsPerMessage,
      baselineCpuUsPerMessage: x.baseline.cpuUsPerMessage,
      peakRssMB: x.aggregator.peakRssMB,
      eventLoopMaxMs: x.aggregator.eventLoopMaxMs,
      exact: x.loss.exact,
    })),
    ...(defaultHeapRuns.length === 0
      ? {}
      : {
          v8DefaultHeap: {
            nodeArgs: V8_DEFAULT_ARGS,
            runs: defaultHeapRuns.map((x) => ({
              cpuRatio: x.cpuRatio,
              aggregatorCpuUsPerMessage: x.aggregator.cpuUsPerMessage,
              peakRssMB: x.aggregator.peakRssMB,
              exact: x.loss.exact,
            })),
          },
        }),
  };
  const e = results.e2e;
  if (!smoke) {
    // A separate, shorter run under the CPU profiler (which slows the process it profiles) names
    // where the aggregator's time goes; the figures above come from the unprofiled runs.
    const profiled = runJson("end to end, profiled", node, [
      ...e2eArgs,
      "--messages",
      "300000",
      "--profile",
      join(outDir, "bench", "profiles"),
    ]);
    e.profile = profiled.profile;
  }
}

if (only.includes("stall")) {
  // 100,000 devices at the pace such a fleet sends (a quarter of real time leaves this 2-vCPU
  // machine CPU to spare beside the simulator and the broker), so that the event-loop delay
  // shows the aggregator's own pauses: publish cycles, state writes, settling.
  const paced = ["bench/e2e.mjs", "--devices", "100000", "--paced", "40", "--speed", "0.25"];
  results.stall = runJson("100,000 devices, paced: event-loop delay", node, paced);
  // The same load with a SQLite history of 1-minute periods: every minute every node starts a
  // new period, so the history's cuts, slices and batch writes run at their largest.
  results.stall.withHistory = runJson(
    "100,000 devices, paced, SQLite history: event-loop delay",
    node,
    [...paced, "--history", "1"],
  );
}
if (only.includes("nodered")) {
  // The same stream as e2e, with Node-RED's flow as a third subscriber in the same run.
  const skip = (reason) => {
    skipped.set("nodered", reason);
    process.stderr.write(`bench: nodered skipped: ${reason}\n`);
  };
  // Loaded here only: the smoke run never touches Node-RED's code.
  let installed;
  try {
    const { installNodeRed } = await import("./nodered.mjs");
    installed = installNodeRed((line) => process.stderr.write(`bench: ${line}\n`));
  } catch (error) {
    installed = { skipped: `bench/nodered.mjs failed to load (${error.message.split("\n")[0]})` };
  }
  if (installed.skipped) skip(installed.skipped);
  else {
    const loadAtStart = loadavg();
    try {
      const r = runJson("end to end beside Node-RED", node, [
        "bench/e2e.mjs",
        "--devices",
        arg("nodered-devices", "10000"),
        "--messages",
        arg("nodered-messages", "1000000"),
        "--nodered",
        installed.redJs,
      ]);
      if (!r.nodered) throw new Error("bench/e2e.mjs returned no Node-RED figures");
      const round = (l) => l.map((x) => Number(x.toFixed(2)));
      r.loadAverage = { start: round(loadAtStart), end: round(loadavg()) };
      const { loadAverageAtStart: _, ...machine } = results.machine;
      r.machine = machine;
      results.nodered = r;
    } catch (error) {
      skip(`the run with Node-RED failed: ${error.message.split("\n")[0]}`);
    }
  }
  // A first run that could not measure says so in the report; a later one keeps the last figures.
  if (skipped.has("nodered") && !results.nodered)
    results.nodered = { skipped: skipped.get("nodered") };
}

// Which day each section ran: a partial run keeps the others' figures and dates. A section run
// again keeps the dated notes written beside its earlier figures (what was measured and tried).
for (const section of only) {
  if (results[section] && !skipped.has(section)) {
    // The same for a profile kept for comparison (`profileBefore`: set by hand, with its label).
    for (const kept of ["notes", "profileBefore"]) {
      const value = previous[section]?.[kept];
      if (value !== undefined && results[section] !== previous[section])
        results[section][kept] = value;
    }
    results[section].ranOn = results.machine.date;
    results[section].ranOnMachine = `${results.machine.cpu}, ${results.machine.cores} vCPUs`;
  }
}

mkdirSync(join(outDir, "bench"), { recursive: true });
writeFileSync(join(outDir, "bench", "results.json"), `${JSON.stringify(results, null, 2)}\n`);
writeFileSync(join(outDir, "BENCHMARKS.md"), renderReport(results));
process.stderr.write(
  `bench: wrote ${join(outDir, "BENCHMARKS.md")} and ${join(outDir, "bench", "results.json")}\n`,
);
if (smoke) {
  // The smoke run proves every script ran and produced the fields the report needs.
  const report = readFileSync(join(outDir, "BENCHMARKS.md"), "utf8");
  for (const section of only) {
    if (!report.includes(`<!-- ${section} -->`))
      throw new Error(`smoke: the ${section} section is missing`);
  }
  // The committed BENCHMARKS.md is what the report makes of the committed results (no figure
  // edited by hand, and the report still reads every field those results have).
  const committed = JSON.parse(readFileSync(join(root, "bench", "results.json"), "utf8"));
  const rendered = tableCellsTrimmed(renderReport(committed));
  const onDisk = tableCellsTrimmed(readFileSync(join(root, "BENCHMARKS.md"), "utf8"));
  if (rendered !== onDisk) {
    const a = rendered.split("\n");
    const b = onDisk.split("\n");
    const line = a.findIndex((text, i) => text !== b[i]);
    throw new Error(
      `smoke: BENCHMARKS.md is not what bench/report.mjs makes of bench/results.json (line ${line + 1}):\n  rendered: ${a[line]?.slice(0, 200)}\n  on disk:  ${b[line]?.slice(0, 200)}\nrender it again: node bench/run.mjs --render && npx biome format --write BENCHMARKS.md`,
    );
  }
  process.stderr.write("bench: smoke run OK\n");
  // The smoke report lives in a temporary folder unless --out named one.
  if (arg("out", undefined) === undefined) rmSync(outDir, { recursive: true, force: true });
}

/**
 * Markdown with each table cell's padding removed, separator rows reduced to `---` and blank
 * lines to one: the report as rendered and as biome formats it (aligning tables, collapsing
 * blank lines) compare equal.
 */
function tableCellsTrimmed(markdown) {
  return markdown
    .split("\n")
    .map((line) => {
      const text = line.trimEnd();
      if (!text.startsWith("|")) return text;
      return text
        .split("|")
        .map((cell) => (/^\s*:?-+:?\s*$/.test(cell) ? "---" : cell.trim()))
        .join("|");
    })
    .join("\n")
    .replace(/\n{3,}/g, "\n\n")
    .trim();
}

// Renders bench/results.json as BENCHMARKS.md. Every section says what was measured, how, and
// whether the project's target was met; missed targets say so plainly.

const fmt = (n, digits = 0) =>
  n === null || n === undefined || Number.isNaN(n)
    ? "—"
    : Number(n).toLocaleString("en-US", {
        maximumFractionDigits: digits,
        minimumFractionDigits: digits,
      });
const mps = (n) => (n === null || n === undefined ? "—" : `${fmt(n / 1e6, 2)} M/s`);
const yes = (ok) => (ok === null || ok === undefined ? "—" : ok ? "**met**" : "**missed**");

function schemaSection(r) {
  const rows = r.results.map(
    (c) =>
      `| ${c.name} | ${c.payloadBytes} B | ${fmt(c.bestPerSecond)} | ${fmt(c.medianPerSecond)} | ${fmt(c.nsPerMessage)} ns | ${c.targetPerSecond ? `${fmt(c.targetPerSecond)}/s: ${yes(c.meetsTarget)}` : "—"} |`,
  );
  return [
    "<!-- schema -->",
    "## `@coreflux/shelly-schema`: parse rate",
    "",
    "`parseShellyMessage(topic, bytes)` on one thread, payloads as `Uint8Array`, a fresh topic string per message (`packages/shelly-schema/bench/parse.mjs`).",
    "",
    "| message | size | best msg/s | median msg/s | per message | target |",
    "|---|---|---|---|---|---|",
    ...rows,
  ].join("\n");
}

function engineSection(r) {
  const rows = r.results.map(
    (x) =>
      `| ${fmt(x.meters)} | ${mps(x.readingsPerS)}${x.readingsPerSBestRound ? ` (best ${mps(x.readingsPerSBestRound)})` : ""} | ${mps(x.readingsPerSWithCycles)} | ${fmt(x.heapPerMeterB)} B | ${fmt(x.collectChangedMs, 2)} ms | ${fmt(x.snapshotMs)} ms | ${x.captureMs === undefined ? "—" : `${fmt(x.captureMs, 1)} ms (${fmt(x.encodeCaptureMs)} ms)`} | ${fmt(x.restoreMs)} ms | ${fmt(x.jsonMB, 1)} MB (${fmt(x.stringifyMs)} / ${fmt(x.parseMs)} ms) |`,
  );
  const at = (meters) => r.results.find((x) => x.meters === meters);
  const m100k = at(100_000);
  const m1m = at(1_000_000);
  const targets = [];
  if (m100k)
    targets.push(
      `- ingest ≥ 5 M readings/s at 100,000 meters: ${mps(m100k.readingsPerS)}, ${yes(m100k.readingsPerS >= 5e6)}`,
    );
  if (m1m) {
    targets.push(
      `- memory ≤ 1 KiB per meter at 1,000,000 meters: ${fmt(m1m.heapPerMeterB)} B, ${yes(m1m.heapPerMeterB <= 1024)}`,
    );
    targets.push(
      `- collecting changes after 1 % of 1,000,000 changed ≤ 20 ms: ${fmt(m1m.collectChangedMs, 2)} ms, ${yes(m1m.collectChangedMs <= 20)}`,
    );
    targets.push(
      `- snapshot ≤ 2 s at 1,000,000 meters: ${fmt(m1m.snapshotMs)} ms, ${yes(m1m.snapshotMs <= 2000)}; restore ≤ 2 s: ${fmt(m1m.restoreMs)} ms, ${yes(m1m.restoreMs <= 2000)} (JSON stringify/parse not included)`,
    );
    if (m1m.restoreMs > 2000) {
      targets.push(
        "  - where restore's time goes (`--cpu-prof` of `EnergyEngine.restore` at 1,000,000 meters, snapshot version 2): decoding and validating dozens of columns of a million numbers (about 40 ms each), allocating and zeroing the decoded columns, relinking the tree and its name maps (`load`, about 0.4 s), and garbage collection over the parsed document. A binary column encoding would remove most of the first two.",
      );
    }
  }
  return [
    "<!-- engine -->",
    "## `@coreflux/hierarchy`: engine",
    "",
    "4-level tree (company/office/room/device, 20 devices per room, 50 rooms per office), one meter per device, readings 10 s apart (`packages/hierarchy/bench/engine.mjs`, each size in a fresh process). Ingest rates are those of the median round of readings (every meter once; at least 5 rounds, 3 M readings in all), with the best round in brackets: this virtual machine's speed varies by ±30 % from one second to the next. Memory counts the JS heap and the typed arrays outside it, after GC. `capture()` is what the ingesting thread pays for a state write when a worker encodes it (median of 5 captures into the buffers the previous one handed back, with the message that transfers them); the encode (`CaptureEncoder`, then as long as `snapshot()`) runs in the worker.",
    "",
    "| meters | ingest | ingest + a collect per round | memory per meter | collect after 1 % changed | `snapshot()` | `capture()` + `postMessage` (encode in the worker) | `restore()` | JSON (stringify / parse) |",
    "|---|---|---|---|---|---|---|---|---|",
    ...rows,
    "",
    ...targets,
  ].join("\n");
}

const kwh = (mwh) => fmt(mwh / 1e6, 3);

const AMBIGUITY_NAMES = {
  K1: "new level or restart?",
  K2: "consumption during a silence, or a replaced device?",
  K3: "a drop and back above the old level: glitch or new counter?",
  K4: "arrival times only (queued or late readings)",
  K5: "an unexplained rise, then another counter",
  K6: "a corrupted value the counter could have shown",
  K7: "a drop nothing confirmed",
  K8: "a restart confirmed by one reading, then a counter near the old level",
};

function oracleSection(r) {
  const suspects = Object.entries(r.mismatchesBySuspect ?? {})
    .map(([k, n]) => `${k}: ${n}`)
    .join(", ");
  const ambiguities = Object.entries(r.ambiguities ?? {}).map(
    ([k, a]) => `| ${k} | ${AMBIGUITY_NAMES[k] ?? ""} | ${fmt(a.count)} | ${kwh(a.boundMwh)} kWh |`,
  );
  const unobservable = Object.entries(r.unobservableMwh ?? {}).map(
    ([k, mwh]) => `| ${k} | ${kwh(mwh)} kWh | ${kwh(r.unobservableBoundMwh?.[k])} kWh |`,
  );
  const counts = (o) =>
    Object.entries(o ?? {})
      .map(([k, n]) => `${k} ${fmt(n)}`)
      .join(", ");
  return [
    "<!-- oracle -->",
    "## `@coreflux/hierarchy`: the engine against the oracle",
    "",
    `The engine against an ideal accountant that knows the truth, over a physical model of meters, devices and the broker (\`packages/hierarchy/bench/oracle.mjs\`, the long form of \`test/oracle.test.ts\`): ${fmt(r.scenarios)} scenarios, ${fmt(r.readings)} counter readings in ${fmt(r.messages)} messages, seed ${r.seed}, ${fmt(r.wallSeconds, 1)} s (${fmt(r.readingsPerSecond)} readings/s through the model, the accountant and the engine). A mismatch is a meter whose total differs from the accountant's by more than the bounds of the provably unknowable classes below.`,
    "",
    `- mismatches: ${fmt(r.mismatches)} (target 0: ${yes(r.mismatches === 0)})${suspects ? `; by the event or fault before the divergence: ${suspects}` : ""}`,
    `- energy: truth ${kwh(r.truthMwh)} kWh, accountant ${kwh(r.accountantMwh)} kWh, engine ${kwh(r.engineMwh)} kWh (engine − accountant ${kwh(r.engineMwh - r.accountantMwh)} kWh, all within the classes' bounds when there is no mismatch)`,
    `- injected faults: ${counts(r.faults)}`,
    `- events: ${counts(r.events)}`,
    "",
    "| class | ambiguity | times | sum of bounds |",
    "|---|---|---|---|",
    ...ambiguities,
    "",
    "Energy no accounting can see (truth − accountant), by where it went, against what the meters could have drawn at their peak over the silences concerned:",
    "",
    "| where | unseen | bound |",
    "|---|---|---|",
    ...unobservable,
  ].join("\n");
}

function adapterSection(r) {
  const row = (name) => {
    const x = r[name];
    return x ? `| ${name} | ${fmt(x.medianCpuMs, 1)} ms | ${fmt(x.cpuUsPerMessage, 2)} µs |` : "";
  };
  return [
    "<!-- adapter -->",
    "## `@coreflux/mqtt-adapter`: intake cost",
    "",
    `${fmt(r.messages)} QoS ${r.qos} messages of ${r.payloadBytes} B through ${r.broker}, ${r.repetitions} repetitions, median CPU of each subscriber process (\`packages/mqtt-adapter/bench/intake.mjs\`).`,
    "",
    "| subscriber | CPU | CPU per message |",
    "|---|---|---|",
    row("mqtt.js"),
    row("mqtt.js (log: noop)"),
    row("adapter"),
    "",
    `- adapter ≤ 20 % more CPU than bare mqtt.js: ${fmt(r.overheadPercent, 1)} %, ${yes(r.withinTarget)}`,
  ].join("\n");
}

function historySection(r) {
  const line = (name, x) =>
    x
      ? `| ${name} | ${fmt(x.medianMs, 2)} ms | ${fmt(x.p95Ms, 2)} ms | ${fmt(x.maxMs, 2)} ms | ${fmt(x.firstCycleMs, 1)} ms | ${x.loopMaxMs === undefined ? "(not measured)" : `${fmt(x.loopMaxMs, 1)} ms`} |`
      : "";
  const large = r.large;
  return [
    "<!-- history -->",
    "## `@coreflux/history`: write cost per publish cycle",
    "",
    `One batch of ${fmt(r.nodes)} changed node rows (their period rows and the local hour rows they change, in one transaction) per cycle, ${fmt(r.cycles)} cycles, ${r.periodMinutes}-minute periods (\`packages/history/bench/write.mjs\`). SQLite in WAL mode with \`synchronous = FULL\` (every commit is on disk before the aggregator forgets the batch), its connection on a worker thread of its own. The first cycle also creates the nodes. _Loop held_ is the longest event-loop delay of the writing thread during any write (\`monitorEventLoopDelay\`, 1 ms resolution): how long readings would wait behind the history.`,
    "",
    "| engine | median | p95 | max | first cycle | loop held |",
    "|---|---|---|---|---|---|",
    line("SQLite", r.sqlite),
    line("MariaDB", r.mariadb),
    ...(large
      ? [line(`SQLite, ${fmt(large.nodes)} rows (${fmt(large.cycles)} cycles)`, large.sqlite)]
      : []),
    "",
    r.sqlite.loopMaxMs === undefined
      ? `- SQLite ≤ ${r.budgetMs} ms per cycle for ${fmt(r.nodes)} changed nodes (median): ${fmt(r.sqlite.medianMs, 2)} ms, ${yes(r.withinBudget)}`
      : `- SQLite holds the writer's event loop ≤ ${r.budgetMs} ms for ${fmt(r.nodes)} changed nodes: ${fmt(r.sqlite.loopMaxMs, 1)} ms at most, ${yes(r.withinBudget)}`,
    ...(large?.sqlite.loopMaxMs === undefined
      ? []
      : [
          `- ${fmt(large.nodes)} rows in one batch: written in ${fmt(large.sqlite.medianMs, 0)} ms (median) while the event loop was held ${fmt(large.sqlite.loopMaxMs, 1)} ms at most (garbage collection included)`,
        ]),
  ].join("\n");
}

function e2eSection(r) {
  const a = r.aggregator;
  const b = r.baseline;
  // The median of the runs' peaks (the run shown in the table is the median by CPU ratio).
  const peaks = (r.runs ?? [a]).map((x) => x.peakRssMB).sort((x, y) => x - y);
  const peakRssMB = peaks[Math.floor(peaks.length / 2)];
  return [
    "<!-- e2e -->",
    "## End to end: simulator → Mosquitto → aggregator",
    "",
    `A private Mosquitto on a free port; \`shelly-sim\` in flood mode over ${fmt(r.devices)} devices (${r.models}) publishing ${fmt(r.messagesPublished)} messages at QoS ${r.qos}; the built aggregator (state journal ${r.stateJournal === false ? "off" : "on"}) and, as the physical-limit baseline, \`mosquitto_sub\` both subscribed to the same stream at the same QoS. CPU is each process's own accounting (\`/proc/<pid>/stat\` utime + stime); peak RSS is \`VmHWM\`. Loss compares every published total of the aggregator with the simulator's truth.`,
    "",
    "| process | messages received | sustained msg/s | CPU | CPU per message | peak RSS |",
    "|---|---|---|---|---|---|",
    `| aggregator | ${fmt(a.messagesReceived)} | ${fmt(a.msgsPerS)} | ${fmt(a.cpuMs)} ms | ${fmt(a.cpuUsPerMessage, 2)} µs | ${fmt(a.peakRssMB)} MB |`,
    `| mosquitto_sub | ${fmt(b.messagesReceived)} | ${fmt(b.msgsPerS)} | ${fmt(b.cpuMs)} ms | ${fmt(b.cpuUsPerMessage, 2)} µs | ${fmt(b.peakRssMB)} MB |`,
    `| shelly-sim (publisher) | ${fmt(r.messagesPublished)} sent | ${fmt(r.simulator.msgsPerS)} | ${fmt(r.simulator.cpuMs)} ms | — | — |`,
    "",
    `- zero loss (every device, room, office and company total equals the truth to the mWh): ${yes(r.loss.exact)} — ${fmt(r.loss.checked)} totals compared, ${fmt(r.loss.mismatched)} differ; company ${fmt(r.loss.companyAggregatorMwh)} mWh vs truth ${fmt(r.loss.companyTruthMwh)} mWh`,
    `- aggregator CPU per message ≤ 1.5 × mosquitto_sub's: ratio ${fmt(r.cpuRatio, 2)}, ${yes(r.cpuRatio <= 1.5)}`,
    ...(r.runs && r.runs.length > 1
      ? [
          `  - the median of ${r.runs.length} runs by ratio (the table shows that run): ${r.runs.map((x) => `${fmt(x.cpuRatio, 2)} (${fmt(x.aggregatorCpuUsPerMessage, 2)} µs vs ${fmt(x.baselineCpuUsPerMessage, 2)} µs)`).join(", ")}`,
        ]
      : []),
    `- aggregator keeps up (throughput ≥ 90 % of mosquitto_sub's): ${fmt(r.throughputRatio * 100, 1)} %, ${yes(r.throughputRatio >= 0.9)}`,
    `- peak RSS ≤ 200 MB at ${fmt(r.devices)} devices: ${fmt(peakRssMB)} MB${r.runs && r.runs.length > 1 ? " (the median of the runs)" : ""}, ${yes(peakRssMB <= 200)}${r.runs && r.runs.length > 1 ? ` (runs: ${r.runs.map((x) => `${fmt(x.peakRssMB)} MB`).join(", ")})` : ""}`,
    ...(r.v8DefaultHeap
      ? [
          `  - with V8's own heap growth (\`${r.v8DefaultHeap.nodeArgs}\` in \`NODE_OPTIONS\`, which the service leaves alone; two runs between those above): ${r.v8DefaultHeap.runs.map((x) => `${fmt(x.peakRssMB)} MB (CPU ratio ${fmt(x.cpuRatio, 2)}, ${x.exact ? "exact" : "**not exact**"})`).join(", ")}`,
        ]
      : []),
    ...(a.eventLoopMaxMs == null
      ? []
      : [
          `- event-loop delay over the flood (\`monitorEventLoopDelay\`, 10 ms resolution): max ${fmt(a.eventLoopMaxMs, 1)} ms, p99 ${fmt(a.eventLoopP99Ms, 1)} ms. A flood keeps both vCPUs busy (simulator, broker, both subscribers): these are mostly waits for a CPU; the stall section measures the aggregator's own pauses with CPU to spare.`,
        ]),
    ...(r.notes ?? []).map((n) => `- ${n}`),
    ...(r.profile ? profileTables(r.profile, r.profileBefore) : []),
  ].join("\n");
}

/**
 * Where the aggregator's CPU goes, from the profiled run; beside an earlier profile (`before`,
 * with its `label`) when results.json keeps one, the modules side by side.
 */
function profileTables(profile, before) {
  const intro = `Where the aggregator's CPU goes (a separate run under \`node --cpu-prof\`, ${fmt(profile.busyMs)} ms busy; \`${profile.file}\`, not committed)`;
  if (before === undefined) {
    return [
      "",
      `${intro}, by module:`,
      "",
      "| module | share of busy CPU |",
      "|---|---|",
      ...profile.modules.map((m) => `| ${m.name} | ${fmt(m.percent, 1)} % |`),
      ...functionTable(profile),
    ];
  }
  const names = [...new Set([...profile.modules, ...before.modules].map((m) => m.name))];
  const share = (p, name) => {
    const m = p.modules.find((x) => x.name === name);
    return m === undefined
      ? "—"
      : `${fmt(m.percent, 1)} % (${fmt((m.percent * p.busyMs) / 100)} ms)`;
  };
  return [
    "",
    `${intro}, by module, beside the profile ${before.label} (${fmt(before.busyMs)} ms busy; both profiled runs publish 300,000 messages):`,
    "",
    "| module | before | now |",
    "|---|---|---|",
    ...names.map((name) => `| ${name} | ${share(before, name)} | ${share(profile, name)} |`),
    ...functionTable(profile),
  ];
}

function functionTable(profile) {
  return [
    "",
    "and by function (self time):",
    "",
    "| function | share |",
    "|---|---|",
    ...profile.top.map((f) => `| \`${f.name}\` | ${fmt(f.percent, 1)} % |`),
  ];
}

function noderedSection(r) {
  const head = ["<!-- nodered -->", "## End to end beside Node-RED: what people use instead", ""];
  if (r.skipped) return [...head, `Not measured: ${r.skipped}.`].join("\n");
  const a = r.aggregator;
  const b = r.baseline;
  const n = r.nodered;
  const t = n.totals;
  const faults = Object.entries(r.faults ?? {}).filter(([, count]) => count > 0);
  const ratio = (x) => `${fmt(x.cpuUsPerMessage / b.cpuUsPerMessage, 2)} ×`;
  const less = (1 - a.cpuUsPerMessage / n.cpuUsPerMessage) * 100;
  const machine = r.machine
    ? ` Machine: ${r.machine.cpu}, ${r.machine.cores} vCPUs, ${r.machine.memoryGiB} GiB, Node ${r.machine.node}.`
    : "";
  return [
    ...head,
    `The stream of the end-to-end benchmark (a private Mosquitto; \`shelly-sim\` in flood mode over ${fmt(r.devices)} devices, ${r.models}, ${fmt(r.messagesPublished)} messages at QoS ${r.qos}) received in the same run by three subscribers: the built aggregator (state journal ${r.stateJournal === false ? "off" : "on"}), \`mosquitto_sub\`, and Node-RED ${n.version ?? ""} running the flow a user would build for the job, \`${n.flow}\`: two \`mqtt in\` nodes (QoS 1, \`Bench/#\` and \`shellies/#\`, the aggregator's subscriptions) → a \`switch\` letting the counter topics through → \`json\` → a \`function\` node that keeps each channel's last counter (Wh) and adds the increase to its room, office and company; a counter that went down is taken as a restart and its new value counts in full; no spike, duplicate or late-message handling. Node-RED is installed by \`npm install node-red@${n.version ?? "?"}\` into a cache folder outside the repository and runs headless (no editor, no HTTP listener); its start-up is not counted. CPU is each process's own (\`/proc/<pid>/stat\` utime + stime) from the stream's start until that subscriber had taken in the last message; peak RSS is \`VmHWM\`. Run on ${r.ranOn ?? "?"}, load average ${r.loadAverage ? `${r.loadAverage.start.join(" / ")} at the start and ${r.loadAverage.end.join(" / ")} at the end` : "—"}.${machine}`,
    "",
    "| process | messages received | sustained msg/s | CPU | CPU per message | × mosquitto_sub | peak RSS | totals against the truth |",
    "|---|---|---|---|---|---|---|---|",
    `| aggregator | ${fmt(a.messagesReceived)} | ${fmt(a.msgsPerS)} | ${fmt(a.cpuMs)} ms | ${fmt(a.cpuUsPerMessage, 2)} µs | ${ratio(a)} | ${fmt(a.peakRssMB)} MB | ${r.loss.exact ? "exact" : "**not exact**"}: ${fmt(r.loss.checked - r.loss.mismatched)} of ${fmt(r.loss.checked)} totals (devices, rooms, offices, company) to the mWh |`,
    `| Node-RED flow | ${fmt(n.messagesReceived)} | ${fmt(n.msgsPerS)} | ${fmt(n.cpuMs)} ms | ${fmt(n.cpuUsPerMessage, 2)} µs | ${ratio(n)} | ${fmt(n.peakRssMB)} MB | ${fmt(t.checked - t.mismatched)} of ${fmt(t.checked)} totals (rooms, offices, company) to the mWh; ${fmt(t.roomsMismatched)} of ${fmt(t.rooms)} rooms off (at most ${fmt(t.roomMaxAbsErrorMwh)} mWh, ${fmt(t.roomSumAbsErrorMwh)} mWh in all); company ${fmt(t.companyErrorMwh)} mWh |`,
    `| mosquitto_sub | ${fmt(b.messagesReceived)} | ${fmt(b.msgsPerS)} | ${fmt(b.cpuMs)} ms | ${fmt(b.cpuUsPerMessage, 2)} µs | 1.00 × | ${fmt(b.peakRssMB)} MB | — |`,
    "",
    `- CPU per message: the aggregator ${fmt(a.cpuUsPerMessage, 2)} µs, Node-RED's flow ${fmt(n.cpuUsPerMessage, 2)} µs: the aggregator uses ${fmt(less, 0)} % ${less >= 0 ? "less" : "more"} (Node-RED needs ${fmt(n.cpuUsPerMessage / a.cpuUsPerMessage, 2)} × the aggregator's CPU), while also journalling every message and publishing every device, room, office and company total each cycle, which the flow does not.`,
    `- faults injected by the simulator: ${faults.length ? faults.map(([k, c]) => `${k} ${fmt(c)}`).join(", ") : "none (the e2e stream has no faults: no restarts, spikes, duplicates or late messages), so the naive flow's accounting is not put to the test; its errors here come from summing floating-point Wh (Gen1 watt-minutes / 60) where the truth counts integer mWh per reading"}.`,
    `- company: Node-RED ${fmt(t.companyNoderedMwh)} mWh, aggregator ${fmt(r.loss.companyAggregatorMwh)} mWh, truth ${fmt(t.companyTruthMwh)} mWh.`,
    `- Node-RED's sustained msg/s is over the time between the first and the last device message its function node saw; it also received ${fmt(n.otherReceived)} of the aggregator's own outputs, as the other two did. The aggregator's and mosquitto_sub's figures in this run are not the e2e section's: three subscribers share ${r.machine?.cores ?? "the"} vCPUs here.`,
  ].join("\n");
}

/**
 * The stalls bench/loop-stalls.cjs recorded (paced runs): each split into the time the
 * aggregator's thread ran (its own work and GC) and the time it waited for a CPU.
 */
function stallTable(a, withBaseline) {
  const rows = [
    ["steady window", a.steadyWindow?.stalls],
    ["whole run", a.stalls],
  ].filter(([, st]) => st !== undefined);
  if (rows.length === 0) return [];
  const worst = (st) =>
    st.worst
      .map(
        (x) =>
          `${fmt(x.stallMs)} (${fmt(x.runMs)} running${x.gcMs === undefined ? "" : `, ${fmt(x.gcMs)} in GC`}${x.atS === undefined ? "" : x.atS < 0 ? ", start-up" : ` at ${fmt(x.atS)} s`})`,
      )
      .join(", ") || "—";
  return [
    "",
    `Every stall over 20 ms, timed by a 5 ms timer inside the aggregator (\`bench/loop-stalls.cjs\`, loaded with \`--require\`: the time between two of its runs less the 5 ms), with the time its thread was running during the stall and the time it waited for a CPU, from the kernel's per-thread \`schedstat\`, and (runs from 2026-12-07 on) the time the thread's garbage collections took in it (V8's \`gc\` performance entries). A stall that is mostly waiting is the machine (two vCPUs shared with the simulator${withBaseline ? ", the broker and `mosquitto_sub`" : " and the broker"}); what the thread ran is the aggregator's own work, garbage collection included (an upper bound on its longest task: one stall can hold several).`,
    "",
    "| window | stalls > 20 ms | longest | most running in one | stalls running > 20 ms | of them > 20 ms without GC | longest five, ms |",
    "|---|---|---|---|---|---|---|",
    ...rows.map(
      ([name, st]) =>
        `| ${name} | ${fmt(st.over20ms)} | ${fmt(st.maxMs, 1)} ms | ${fmt(st.maxRunMs, 1)} ms | ${fmt(st.over20msRunning)} | ${st.over20msRunningLessGc === undefined ? "—" : fmt(st.over20msRunningLessGc)} | ${worst(st)} |`,
    ),
    "",
  ];
}

/** The longest run of each of the aggregator's own tasks (its /metrics), per window. */
function taskLines(a) {
  const names = {
    publish_cycle: "publish cycle's turn",
    publish_slice: "later publisher slice",
    state_capture: "state write's capture",
    settle: "settle turn",
    history_slice: "history slice",
    history_cut: "history cut ahead (a slice)",
    history_spill: "history spill (a step)",
    history_write: "history write (a piece of a batch)",
  };
  const line = (label, tasks, metric = "coreflux_event_loop_task_max_seconds") =>
    `- longest of the aggregator's own tasks (\`${metric}\`), ${label}: ${Object.entries(names)
      // A task that never ran reads 0 (a history write without [history]).
      .filter(([k]) => tasks[k] > 0)
      .map(([k, name]) => `${name} ${fmt(tasks[k], 1)} ms`)
      .join(", ")}`;
  const out = [];
  const running = "coreflux_event_loop_task_running_max_seconds";
  const some = (tasks) => tasks !== undefined && Object.keys(tasks).length > 0;
  if (some(a.steadyWindow?.tasksMaxMs)) out.push(line("steady window", a.steadyWindow.tasksMaxMs));
  if (some(a.steadyWindow?.tasksRunningMaxMs))
    out.push(
      line(
        "steady window, the thread on a CPU (its own work, GC included, without waits)",
        a.steadyWindow.tasksRunningMaxMs,
        running,
      ),
    );
  if (some(a.tasksMaxMs)) out.push(line("whole run", a.tasksMaxMs));
  if (some(a.tasksRunningMaxMs))
    out.push(line("whole run, the thread on a CPU", a.tasksRunningMaxMs, running));
  return out;
}

/**
 * The event-loop table, the stalls, the tasks and the verdicts of one paced run; `load` follows
 * "at 100,000 devices" in the verdicts (" with a history").
 */
function pacedRunLines(r, load) {
  const a = r.aggregator;
  const w = a.steadyWindow;
  const history = r.historyPeriodMinutes !== undefined;
  const historyTasks = ["history_slice", "history_cut", "history_spill", "history_write"];
  const ownTasks = [
    "publish_cycle",
    "publish_slice",
    "state_capture",
    ...(history ? historyTasks : []),
  ];
  const longest = (tasks) => Math.max(0, ...ownTasks.map((k) => tasks?.[k] ?? 0));
  const what = history
    ? "state write, publish cycle or history write"
    : "state write or publish cycle";
  return [
    "| window | event-loop max | p99 |",
    "|---|---|---|",
    ...(w
      ? [
          `| steady: ${fmt(w.fromS)} s to ${fmt(w.toS)} s after the simulator started (fleet known, before its last burst) | ${fmt(w.eventLoopMaxMs, 1)} ms | ${fmt(w.eventLoopP99Ms, 1)} ms |`,
        ]
      : []),
    `| whole run (from start-up, which reads a config of 100,000 \`[[devices]]\` rules, through 100,000 devices appearing in the first seconds, to the simulator's last burst of every final counter at once) | ${fmt(a.eventLoopMaxMs, 1)} ms | ≤ ${fmt(a.eventLoopP99Ms, 1)} ms |`,
    "",
    ...stallTable(a, r.baseline !== undefined),
    ...taskLines(a),
    w?.stalls
      ? `- the event loop never stands still more than 20 ms at 100,000 devices${load} (steady window, whatever the cause; every stall timed by the 5 ms timer): ${yes(w.stalls.over20ms === 0)} (${w.stalls.over20ms === 1 ? "1 stall" : `${fmt(w.stalls.over20ms)} stalls`} over 20 ms${w.stalls.over20ms > 0 ? `, the longest ${fmt(w.stalls.maxMs, 1)} ms` : ""}); the longest the aggregator's thread itself ran during a stall there: ${fmt(w.stalls.maxRunMs, 1)} ms (${yes(w.stalls.maxRunMs <= 20)} for its own work)`
      : `- the event loop never stands still more than 20 ms at 100,000 devices${load} (steady window, whatever the cause; the monitor's max less its 10 ms tick): ${w ? yes(w.eventLoopMaxMs - 10 <= 20) : "—"}`,
    ...(w?.tasksMaxMs && Object.keys(w.tasksMaxMs).length > 0
      ? [
          `- no ${what} blocks the event loop for more than 20 ms at 100,000 devices${load} (steady window, each task timed, waits for a CPU included): ${yes(longest(w.tasksMaxMs) <= 20)} (${fmt(longest(w.tasksMaxMs), 1)} ms at most)${
            w.tasksRunningMaxMs && Object.keys(w.tasksRunningMaxMs).length > 0
              ? `; the thread on a CPU in one of them: ${fmt(longest(w.tasksRunningMaxMs), 1)} ms at most (${yes(longest(w.tasksRunningMaxMs) <= 20)} for its own work)`
              : ""
          }`,
        ]
      : []),
    `- zero loss: ${yes(r.loss.exact)} — ${fmt(r.loss.checked)} totals compared, ${fmt(r.loss.mismatched)} differ`,
    `- aggregator CPU ${fmt(a.cpuMs)} ms for ${fmt(a.messagesReceived)} messages (${fmt(a.cpuUsPerMessage, 1)} µs each, publishing${history ? ", history" : ""} and state writes of 100,000 nodes included); peak RSS ${fmt(a.peakRssMB)} MB`,
  ];
}

/** BENCHMARKS.md from the results object. */
function stallSection(r) {
  const h = r.withHistory;
  return [
    "<!-- stall -->",
    "## 100,000 devices: does anything stall the intake?",
    "",
    `The end-to-end setup with ${fmt(r.devices)} devices (${r.models}), the simulator publishing at ${r.load?.speed ?? "?"} × real time for ${fmt(r.load?.pacedS)} simulated seconds (${fmt(r.messagesPublished)} messages at QoS ${r.qos}, about ${fmt(r.simulator.msgsPerS)} msg/s): the load such a fleet sends, slowed so that this machine keeps CPU to spare beside the simulator and the broker.${r.load?.minuteAtS === undefined ? "" : ` The simulated clock starts ${fmt(r.load.minuteAtS)} s before a minute, so every run holds the same burst in its steady window: each Gen2 device reports its minute's energy in the 1.5 s after the minute, as real ones do (about 110,000 messages).`}${r.load?.simNice ? ` The simulator runs at nice ${fmt(r.load.simNice)}: it stands for devices on the network, which take no CPU from the aggregator's machine (the broker keeps its priority).` : ""} Publish cycle every 10 s with tens of thousands of changed nodes, a state write after each (journal on). The event-loop delay is prom-client's \`monitorEventLoopDelay\` (10 ms resolution) read from \`/metrics\`: Node records the time between two runs of its 10 ms timer, so an idle loop reads 10 ms and a stall of s ms reads between s and s + 10 ms (checked on this machine: a loop left idle reads 10.1 ms at the median, one held 30 ms reads 32 ms); the stalls themselves are timed below.${r.baseline ? "" : " `mosquitto_sub`, the CPU baseline of the flood above, does not run here: its figures are not used, and it would take CPU from the machine whose waits these figures are about."}`,
    "",
    ...pacedRunLines(r, ""),
    ...(h
      ? [
          "",
          `### The same load with a SQLite history (${fmt(h.historyPeriodMinutes)}-minute periods)`,
          "",
          `The same command with \`--history ${fmt(h.historyPeriodMinutes)}\` (${fmt(h.messagesPublished)} messages published), run right after the one above: the aggregator also writes a SQLite history whose periods are ${fmt(h.historyPeriodMinutes)} minute${h.historyPeriodMinutes === 1 ? "" : "s"} wide, so at each minute every one of the 100,000 devices' nodes starts a new period row. The database is written on a thread of its own; what runs on the event loop is the history's share of the work: observing a new period's nodes (\`history_slice\`), cutting a batch of rows ahead of a state write (\`history_cut\`), moving a backlog to disk (\`history_spill\`), each in budgeted slices, and making a batch's rows and handing them to the thread, 1,000 at a time (\`history_write\`).`,
          "",
          ...pacedRunLines(h, " with a history"),
        ]
      : []),
    ...(h && r.notes?.length ? ["", "### Earlier runs and what changed between them", ""] : []),
    ...(r.notes ?? []).map((n) => `- ${n}`),
  ].join("\n");
}

export function renderReport(results) {
  const m = results.machine;
  const sections = [
    "schema",
    "engine",
    "oracle",
    "adapter",
    "history",
    "e2e",
    "stall",
    "nodered",
  ].filter((s) => results[s]);
  const days = new Set(sections.map((s) => results[s].ranOn ?? m.date));
  const when =
    days.size <= 1
      ? `on ${m.date}`
      : `(sections run on ${sections.map((s) => `${s} ${results[s].ranOn ?? "?"}`).join(", ")}; last run ${m.date})`;
  const parts = [
    "# Benchmarks",
    `Generated by \`pnpm bench\` (\`bench/run.mjs\`) ${when}: ${m.cpu}, ${m.cores} vCPUs, ${m.memoryGiB} GiB, Node ${m.node}; load average at start ${m.loadAverageAtStart.join(" / ")}.${results.smoke ? " **Smoke run: tiny sizes, numbers are not meaningful.**" : ""} Raw numbers: \`bench/results.json\`. Benchmarks are not tests: CI runs \`pnpm bench:smoke\` only, to prove the scripts work.`,
  ];
  if (results.schema) parts.push(schemaSection(results.schema));
  if (results.engine) parts.push(engineSection(results.engine));
  if (results.oracle) parts.push(oracleSection(results.oracle));
  if (results.adapter) parts.push(adapterSection(results.adapter));
  if (results.history) parts.push(historySection(results.history));
  if (results.e2e) parts.push(e2eSection(results.e2e));
  if (results.stall) parts.push(stallSection(results.stall));
  if (results.nodered) parts.push(noderedSection(results.nodered));
  // Sections run on another machine than the header's say which.
  const header = `${m.cpu}, ${m.cores} vCPUs`;
  return `${parts
    .map((part) => {
      const name = sections.find((s) => part.startsWith(`<!-- ${s} -->`));
      const other = name && results[name].ranOnMachine;
      return other && other !== header
        ? part.replace(/\n\n/, `\n\n_Ran on ${results[name].ranOn}: ${other}._\n\n`)
        : part;
    })
    .join("\n\n")}\n`;
}

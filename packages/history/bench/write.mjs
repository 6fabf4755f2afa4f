#!/usr/bin/env node
// Cost of one publish cycle's history write: a batch of `--nodes` changed rows (1 company, 10
// offices, rooms and devices below) in one transaction, `--cycles` times, on a fresh SQLite file
// (WAL, synchronous FULL) and, with `--mariadb <url of an empty database>`, on MariaDB
// (`--mariadb auto`: a scratch database on root@127.0.0.1:3306, dropped after). Prints a table,
// or JSON with --json. Needs the package built (`pnpm build`).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { monitorEventLoopDelay, performance } from "node:perf_hooks";
import { openHistory } from "../dist/index.js";

const args = process.argv.slice(2);
const arg = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const nodes = Number(arg("nodes", "1000"));
const cycles = Number(arg("cycles", "60"));
const mariadbUrl = arg("mariadb", undefined);
const json = args.includes("--json");

/** 1 company, 10 offices, 10 rooms per office, devices under the rooms: `count` paths. */
function tree(count) {
  const paths = [""];
  for (let o = 0; o < 10 && paths.length < count; o++) paths.push(`Office${o}`);
  for (let o = 0; o < 10; o++)
    for (let r = 0; r < 10 && paths.length < count; r++) paths.push(`Office${o}/Room${r}`);
  for (let d = 0; paths.length < count; d++)
    paths.push(`Office${d % 10}/Room${Math.floor(d / 10) % 10}/Device${d}`);
  return paths;
}

async function measure(url) {
  const store = await openHistory({
    url,
    company: "Bench",
    periodMinutes: 15,
    timeZone: "Europe/Lisbon",
  });
  const paths = tree(nodes);
  const slotMs = Math.floor(Date.UTC(2026, 10, 3, 9) / 900_000) * 900_000;
  const times = [];
  const stalls = [];
  const totals = new Map(paths.map((p) => [p, 0]));
  for (let c = 0; c <= cycles; c++) {
    const rows = paths.map((path, i) => {
      const delta = 100 + ((i * 7 + c) % 50);
      const energyMwh = totals.get(path) + delta;
      totals.set(path, energyMwh);
      return {
        path,
        periodStartMs: slotMs + Math.floor(c / 30) * 900_000,
        energyMwh,
        returnedEnergyMwh: 0,
        energyDeltaMwh: delta,
        returnedEnergyDeltaMwh: 0,
        additive: false,
        peakPowerW: 1000 + i,
        devices: { online: 1, stale: 0, offline: 0 },
        observedAtMs: slotMs + c * 10_000,
      };
    });
    // How long the caller's event loop stood still during the write (readings wait that long).
    const delay = monitorEventLoopDelay({ resolution: 1 });
    delay.enable();
    const started = performance.now();
    await store.write({ seq: c + 1, rows });
    // The first write creates the nodes: a one-time cost, reported apart.
    times.push(performance.now() - started);
    // A last turn, so a stall that lasted until the write's end is counted too.
    await new Promise((resolve) => setImmediate(resolve));
    delay.disable();
    stalls.push(delay.max / 1e6);
  }
  await store.close();
  const [first, ...steady] = times;
  steady.sort((a, b) => a - b);
  const q = (p) => steady[Math.min(steady.length - 1, Math.floor(p * steady.length))];
  return {
    firstCycleMs: round(first),
    medianMs: round(q(0.5)),
    p95Ms: round(q(0.95)),
    maxMs: round(steady[steady.length - 1]),
    // The longest event-loop delay during any write, the first one included.
    loopMaxMs: round(Math.max(...stalls)),
  };
}

async function onMariadb(url) {
  if (url !== "auto") return measure(url);
  const { createConnection } = await import("mariadb");
  const admin = { host: "127.0.0.1", port: 3306, user: "root" };
  const name = `coreflux_bench_${process.pid}`;
  const c = await createConnection(admin);
  await c.query(`CREATE DATABASE ${name}`);
  await c.end();
  try {
    return await measure(`mariadb://root@127.0.0.1:3306/${name}`);
  } finally {
    const d = await createConnection(admin);
    await d.query(`DROP DATABASE IF EXISTS ${name}`);
    await d.end();
  }
}

const round = (x) => Math.round(x * 100) / 100;
const dir = mkdtempSync(join(tmpdir(), "coreflux-history-bench-"));
try {
  const result = {
    nodes,
    cycles,
    periodMinutes: 15,
    sqlite: await measure(`sqlite:${join(dir, "bench.db")}`),
    ...(mariadbUrl ? { mariadb: await onMariadb(mariadbUrl) } : {}),
    budgetMs: 10,
  };
  // What the budget is for: how long a cycle's write holds the aggregator's event loop.
  result.withinBudget = result.sqlite.loopMaxMs <= result.budgetMs;
  if (json) process.stdout.write(`${JSON.stringify(result)}\n`);
  else {
    for (const engine of ["sqlite", "mariadb"]) {
      const r = result[engine];
      if (r)
        console.log(
          `${engine}: ${nodes} rows per cycle: median ${r.medianMs} ms, p95 ${r.p95Ms} ms, max ${r.maxMs} ms (first cycle, creating the nodes: ${r.firstCycleMs} ms); event loop held up to ${r.loopMaxMs} ms`,
        );
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

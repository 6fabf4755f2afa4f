import { existsSync, rmSync } from "node:fs";
import { join } from "node:path";
import {
  buildDashboard,
  mwh,
  resolveVariables,
  runPanel,
  type View,
} from "@coreflux/grafana-dashboard";
import { createFleet, type FleetOptions, runSimulator } from "@coreflux/shelly-simulator";
import { type PrivateMariadb, sleep, startMariadb, waitUntil } from "@coreflux/test-support";
import { createConnection } from "mariadb";
import { afterAll, describe, expect, it } from "vitest";
import { AggregatorProcess, settleAtTruth } from "./helpers/aggregator";
import { aggregatorConfig, writeConfig } from "./helpers/config";
import { allPeriodRows, checkHistory, readHistory } from "./helpers/history";
import { Observer } from "./helpers/observer";
import { SHARED_BROKER_URL, scratchDir, uniqueCompany } from "./helpers/paths";
import { Prng, seedOf } from "./helpers/prng";
import { report } from "./helpers/report";
import { discardSession } from "./helpers/session";
import { rewriteAsVersion1 } from "./helpers/state-file";
import { compareWithTruth, truthNodes, whToMwh } from "./helpers/truth";

const INTERVAL_S = 0.5;
const SPEED = 120;
const TIME_ZONE = "Europe/Lisbon";
/**
 * One-minute rows, kept for ever: the simulated fleet's clock starts on 2026-06-01, and the
 * credits of devices with a clock of their own land in the periods of their readings.
 */
const HISTORY_KEYS = ["period_minutes = 1", "keep_fine_days = 36500"];

const faults: FleetOptions["faults"] = {
  reset: 1,
  offline: 0.5,
  zero: 0.01,
  spike: 0.01,
  duplicate: 0.02,
  reorder: 0.02,
  malformed: 0.01,
};

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
});

/** An aggregator with `[history]`, its observer and its folder, cleaned up after the file. */
async function setUp(
  name: string,
  historyLines: (dir: string) => string[],
  fleetOptions: FleetOptions,
) {
  const company = fleetOptions.company!;
  const dir = scratchDir(name);
  const clientId = `agg-${company}`;
  const fleet = createFleet(fleetOptions);
  const configPath = writeConfig(
    dir,
    aggregatorConfig({
      company,
      url: SHARED_BROKER_URL,
      clientId,
      statePath: join(dir, "state.json"),
      intervalS: INTERVAL_S,
      placements: fleet.placements(),
      timeZone: TIME_ZONE,
      historyLines: historyLines(dir),
    }),
  );
  const observer = await Observer.connect(SHARED_BROKER_URL, company);
  const ctx = { company, dir, configPath, observer, aggregator: new AggregatorProcess(configPath) };
  cleanups.push(async () => {
    await ctx.aggregator.stop();
    await observer.clearRetained(company);
    await observer.close();
    await discardSession(SHARED_BROKER_URL, clientId);
    rmSync(dir, { recursive: true, force: true });
  });
  await ctx.aggregator.subscribed();
  return ctx;
}

describe("history (built CLI, real Mosquitto, real databases)", () => {
  it("SQLite: rows add up to the truth for every node, parents equal their children, through kill -9", async () => {
    const started = Date.now();
    const SEED = seedOf(1313);
    const rng = new Prng(SEED);
    const fleetOptions: FleetOptions = {
      seed: SEED,
      company: uniqueCompany("HistSqlite"),
      offices: 2,
      roomsPerOffice: 3,
      devicesPerRoom: 4,
      faults,
    };
    const ctx = await setUp(
      "hist-sqlite",
      (dir) => [`url = "sqlite:${join(dir, "history.db")}"`, ...HISTORY_KEYS],
      fleetOptions,
    );
    const stop = new AbortController();
    const run = runSimulator({
      ...fleetOptions,
      url: SHARED_BROKER_URL,
      speed: SPEED,
      qos: 1,
      signal: stop.signal,
    });
    const KILLS = 6;
    /** What the upgrade step found: the state file an earlier release would have left. */
    let upgrade: { fromVersion: number; rows: number } | undefined;
    for (let k = 0; k < KILLS; k++) {
      await sleep(Math.round(rng.range(500, 3000)));
      ctx.aggregator.kill("SIGKILL");
      await ctx.aggregator.exited;
      // Once, the state file as an earlier release wrote it (version 1): the next process
      // must go on from it as exactly as from its own.
      const statePath = join(ctx.dir, "state.json");
      if (upgrade === undefined && k >= 2 && existsSync(statePath)) {
        upgrade = rewriteAsVersion1(statePath);
      }
      ctx.aggregator = new AggregatorProcess(ctx.configPath);
    }
    // With a history the release writes version 2.
    expect(upgrade?.fromVersion).toBe(2);
    await ctx.aggregator.subscribed();
    await sleep(2000);
    stop.abort();
    const result = await run;
    const expected = truthNodes(result.truth);
    await settleAtTruth(
      ctx.aggregator,
      () => compareWithTruth(ctx.observer.latest, expected),
      INTERVAL_S,
    );
    expect(compareWithTruth(ctx.observer.latest, expected)).toEqual([]);
    const todayPublishedMwh = whToMwh(ctx.observer.latest.get(ctx.company)?.EnergyTodayWh);
    // A graceful stop writes the last batches.
    await ctx.aggregator.stop();

    const store = await readHistory(
      `sqlite:${join(ctx.dir, "history.db")}`,
      ctx.company,
      1,
      TIME_ZONE,
    );
    try {
      const periods = await allPeriodRows(store);
      const hours = await store.report({ fromMs: 0, toMs: Date.UTC(2100, 0, 1), by: "hour" });
      expect(checkHistory(ctx.company, periods, hours, expected)).toEqual([]);
      // Today's local day: its rows equal the day's published EnergyTodayWh (the simulated
      // fleet's clock started months ago, so other days have rows too; a run across local
      // midnight restarts the published value, and then it is not compared).
      const todayStartMs = store.calendar.periodsOf(Date.now()).dayStartMs;
      if (store.calendar.periodsOf(started).dayStartMs === todayStartMs) {
        const days = await store.report({
          fromMs: todayStartMs,
          toMs: store.calendar.nextDay(todayStartMs),
          by: "day",
          level: "company",
        });
        expect(days.reduce((n, d) => n + d.energyMwh, 0)).toBe(todayPublishedMwh);
      }
      report("history-sqlite", {
        seed: SEED,
        messages: result.messages,
        kills: KILLS,
        upgradedRows: upgrade?.rows,
        periodRows: periods.length,
        hourRows: hours.length,
        companyMwh: result.truth.energyMwh,
        wallS: Math.round((Date.now() - started) / 100) / 10,
      });
    } finally {
      await store.close();
    }
  });

  it("MariaDB: an outage of the database (spilled to disk, and a kill -9 during it) loses no row; aggregation and publishing go on meanwhile", async () => {
    const started = Date.now();
    const SEED = seedOf(3306);
    const db: PrivateMariadb = await startMariadb();
    cleanups.push(() => db.stop());
    db.sql("CREATE DATABASE coreflux");
    const fleetOptions: FleetOptions = {
      seed: SEED,
      company: uniqueCompany("HistMaria"),
      offices: 2,
      roomsPerOffice: 2,
      devicesPerRoom: 4,
      faults,
    };
    const ctx = await setUp(
      "hist-maria",
      // A tiny memory budget: the outage's backlog goes to the spill file.
      () => [`url = "${db.url("coreflux")}"`, ...HISTORY_KEYS, "max_memory_rows = 40"],
      fleetOptions,
    );
    const stop = new AbortController();
    let simulatedMs = 0;
    const run = runSimulator({
      ...fleetOptions,
      url: SHARED_BROKER_URL,
      speed: SPEED,
      qos: 1,
      signal: stop.signal,
      progressIntervalMs: 100,
      onProgress: (p) => {
        simulatedMs = p.simulatedMs;
      },
    });
    await sleep(3000);
    const written = async () =>
      (await ctx.aggregator.metrics()).get("coreflux_history_rows_written_total") ?? 0;
    expect(await written()).toBeGreaterThan(0);

    // The database crashes for an hour of the fleet's time (30 s at 120×); the aggregator goes
    // on publishing while rows wait.
    await db.kill("SIGKILL");
    const outageFromMs = simulatedMs;
    const publishedBefore =
      (await ctx.aggregator.metrics()).get("coreflux_aggregates_published_total") ?? 0;
    // A write fails within the pool's connect timeout (about 6 s); rows wait from then on.
    await waitUntil(
      async () => (await ctx.aggregator.metrics()).get("coreflux_history_up") === 0,
      "the aggregator to notice the database is gone",
      30_000,
    );
    await sleep(3000);
    const during = await ctx.aggregator.metrics();
    const backlogRows = during.get("coreflux_history_backlog_rows") ?? 0;
    const spilledRows = during.get("coreflux_history_backlog_spilled_rows") ?? 0;
    expect(backlogRows).toBeGreaterThan(0);
    expect(spilledRows).toBeGreaterThan(0);
    expect(during.get("coreflux_aggregates_published_total") ?? 0).toBeGreaterThan(publishedBefore);
    // The aggregator itself crashes while the database is away: the backlog (in the state file
    // and the spill file) and the journal bring everything back.
    const first = ctx.aggregator;
    first.kill("SIGKILL");
    await first.exited;
    ctx.aggregator = new AggregatorProcess(ctx.configPath);
    await ctx.aggregator.subscribed();
    await sleep(4000);
    const afterRestart = await ctx.aggregator.metrics();
    expect(afterRestart.get("coreflux_history_up")).toBe(0);
    expect(afterRestart.get("coreflux_history_backlog_rows") ?? 0).toBeGreaterThan(0);

    await waitUntil(() => simulatedMs - outageFromMs >= 3_600_000, "an hour of outage", 120_000);
    await db.restart();
    await waitUntil(
      async () => {
        const m = await ctx.aggregator.metrics();
        return (
          m.get("coreflux_history_up") === 1 && m.get("coreflux_history_backlog_batches") === 0
        );
      },
      "the backlog to be written after the database came back",
      60_000,
    );
    await sleep(1000);
    stop.abort();
    const result = await run;
    const expected = truthNodes(result.truth);
    await settleAtTruth(
      ctx.aggregator,
      () => compareWithTruth(ctx.observer.latest, expected),
      INTERVAL_S,
    );
    expect(compareWithTruth(ctx.observer.latest, expected)).toEqual([]);
    await ctx.aggregator.stop();
    // Reported once when it went away and once when it came back, not once per retry.
    expect(first.linesWith(/^history database unavailable/)).toHaveLength(1);
    expect(first.linesWith(/^history backlog larger than/)).toHaveLength(1);
    expect(ctx.aggregator.linesWith(/^history database unavailable/)).toHaveLength(1);
    expect(
      ctx.aggregator.linesWith(/^history database is back|^history database reachable again/)
        .length,
    ).toBe(1);

    const store = await readHistory(db.url("coreflux"), ctx.company, 1, TIME_ZONE);
    try {
      const periods = await allPeriodRows(store);
      const hours = await store.report({ fromMs: 0, toMs: Date.UTC(2100, 0, 1), by: "hour" });
      expect(checkHistory(ctx.company, periods, hours, expected)).toEqual([]);
      // The Grafana dashboard's panels, expanded as Grafana's MySQL datasource does, on what this
      // aggregator run wrote: the hourly bars add up to the company's truth, each top device's
      // energy is its truth.
      const grafana = await dashboardNumbers(db.port, "coreflux");
      expect(grafana.hourlyBarsMwh).toBe(result.truth.energyMwh);
      for (const [device, energyMwh] of grafana.topDevicesMwh) {
        expect(energyMwh, device).toBe(expected.get(`${ctx.company}/${device}`)?.energyMwh);
      }
      expect(grafana.topDevicesMwh.size).toBe(
        Math.min(10, Object.keys(result.truth.devices).length),
      );
      report("history-mariadb-outage", {
        seed: SEED,
        messages: result.messages,
        backlogRowsDuringOutage: backlogRows,
        spilledRowsDuringOutage: spilledRows,
        outageSimulatedS: 3600,
        grafanaPanelsChecked: ["Energy per hour", "Top devices"],
        periodRows: periods.length,
        companyMwh: result.truth.energyMwh,
        wallS: Math.round((Date.now() - started) / 100) / 10,
      });
    } finally {
      await store.close();
    }
  });
});

/**
 * Runs the dashboard's "Energy per hour" and "Top devices" panels over everything the run wrote
 * (its simulated clock started on 2026-06-01; the last rows are today's), every office and room.
 */
async function dashboardNumbers(port: number, database: string) {
  const session = await createConnection({
    host: "127.0.0.1",
    port,
    user: "root",
    database,
    dateStrings: true,
  });
  try {
    await session.query("SET time_zone = '+00:00'");
    const dashboard = buildDashboard();
    const view: View = {
      fromMs: Date.UTC(2026, 0, 1),
      toMs: Date.now() + 86_400_000,
      intervalMs: 3_600_000,
    };
    const { variables } = await resolveVariables(session, dashboard, view, {});
    const panel = (title: string) => {
      const p = (dashboard.panels ?? []).find((x) => "title" in x && x.title === title);
      if (p === undefined || !("targets" in p)) throw new Error(`no panel "${title}"`);
      return p;
    };
    const context = { ...view, variables };
    const hourly = await runPanel(session, panel("Energy per hour"), context);
    const top = await runPanel(session, panel("Top devices"), context);
    return {
      hourlyBarsMwh: hourly.rows.reduce((n, r) => n + mwh(r.Energy), 0),
      topDevicesMwh: new Map(top.rows.map((r) => [String(r.Device), mwh(r.Energy)])),
    };
  } finally {
    await session.end();
  }
}

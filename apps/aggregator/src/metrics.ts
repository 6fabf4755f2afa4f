import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import type { HistoryStats } from "./history/history-output";
import { LoopTasks } from "./loop-tasks";

/**
 * Plain counters the hot path increments (a property add, no label hashing); Prometheus reads
 * them when scraped. Maps are keyed by reason or outcome.
 */
export class Counts {
  /** MQTT messages received under the subscriptions. */
  received = 0;
  /** Messages that carried something the aggregator used. */
  accepted = 0;
  /** Messages refused, by reason (a parser error code, unplaced, device-limit, ...). */
  readonly rejected = new Map<string, number>();
  /** Messages ignored on purpose, by reason (own output, non-metering Shelly topics). */
  readonly ignored = new Map<string, number>();
  /** Counter values by accounting outcome (accepted, duplicate, reset, glitch, ...). */
  readonly readings = new Map<string, number>();
  /** Aggregate messages handed to the broker connection. */
  published = 0;
  /** Aggregate messages dropped or failed (from the MQTT client's stats). */
  publishDropped = 0;
  /**
   * Aggregate messages the broker refused by closing the connection after each try (a topic
   * it does not take, such as one with a space on NATS): dropped so the others go on.
   */
  publishRefused = 0;
  /**
   * Times the intake left the rest of a socket read for a later turn of the event loop, its
   * time budget per turn spent (from the MQTT client's stats).
   */
  intakeYields = 0;
  /** Failed state file writes. */
  stateWriteFailures = 0;
  /** Failed state journal appends (and journal file rotations). */
  journalWriteFailures = 0;
  /**
   * Batches of messages written to the state journal before their acknowledgements left (one
   * write each; `[mqtt] write_hold_ms` makes them larger).
   */
  journalBatches = 0;

  /** Adds one to a keyed count. */
  static bump(map: Map<string, number>, key: string, by = 1): void {
    map.set(key, (map.get(key) ?? 0) + by);
  }
}

/** A live view of the tree for the gauges. */
export interface TreeGauges {
  devices: { online: number; stale: number; offline: number };
  meters: number;
  brokerConnected: boolean;
  /** The history output's figures; undefined without `[history]`. */
  history: HistoryStats | undefined;
}

/** prom-client default gauges whose names end in `_total` (left out, see {@link collectProcessMetrics}). */
const NON_COUNTER_TOTALS = [
  "nodejs_active_handles_total",
  "nodejs_active_requests_total",
  "nodejs_active_resources_total",
] as const;

/**
 * Node's process metrics (`coreflux_process_*`, `coreflux_nodejs_*`, event-loop lag among them)
 * into `registry`, without the three prom-client gauges named `*_total`: promtool reports them
 * (a `_total` suffix promises a counter) and they count handles and requests, which nothing
 * here alerts on.
 */
export function collectProcessMetrics(registry: Registry): void {
  collectDefaultMetrics({ register: registry, prefix: "coreflux_" });
  for (const name of NON_COUNTER_TOTALS) registry.removeSingleMetric(`coreflux_${name}`);
}

/** A counter that reads `read()` when scraped (the hot path bumps a plain number instead). */
export function pulledCounter(
  registry: Registry,
  name: string,
  help: string,
  read: () => number,
): Counter {
  return new Counter({
    name,
    help,
    registers: [registry],
    collect() {
      this.reset();
      this.inc(read());
    },
  });
}

/** A counter with one label, read from `map` (label value → count) when scraped. */
export function pulledKeyedCounter(
  registry: Registry,
  name: string,
  help: string,
  label: string,
  map: ReadonlyMap<string, number>,
): Counter {
  return new Counter({
    name,
    help,
    labelNames: [label],
    registers: [registry],
    collect() {
      this.reset();
      for (const [key, value] of map) this.inc({ [label]: key }, value);
    },
  });
}

/** The service's Prometheus metrics, in a registry of their own. */
export class Metrics {
  readonly registry = new Registry();
  readonly counts = new Counts();
  readonly cycleSeconds: Histogram;
  readonly stateWriteSeconds: Histogram;
  /** How long the service's own tasks hold the event loop. */
  readonly loopTasks: LoopTasks;

  constructor(gauges: () => TreeGauges) {
    const counts = this.counts;
    const registers = [this.registry];
    const plain = (name: string, help: string, read: () => number) =>
      pulledCounter(this.registry, name, help, read);
    const keyed = (name: string, help: string, label: string, map: Map<string, number>) =>
      pulledKeyedCounter(this.registry, name, help, label, map);
    plain("coreflux_messages_received_total", "MQTT messages received", () => counts.received);
    plain(
      "coreflux_messages_accepted_total",
      "MQTT messages parsed and applied",
      () => counts.accepted,
    );
    keyed(
      "coreflux_messages_rejected_total",
      "MQTT messages rejected, by reason",
      "reason",
      counts.rejected,
    );
    keyed(
      "coreflux_messages_ignored_total",
      "MQTT messages ignored on purpose, by reason",
      "reason",
      counts.ignored,
    );
    keyed(
      "coreflux_readings_total",
      "Meter counter readings, by accounting outcome",
      "outcome",
      counts.readings,
    );
    plain(
      "coreflux_meter_resets_total",
      "Confirmed restarts of meter counters from zero",
      () => counts.readings.get("reset") ?? 0,
    );
    plain(
      "coreflux_meter_glitches_total",
      "Held-back outliers discarded as glitches",
      () => counts.readings.get("glitch") ?? 0,
    );
    plain(
      "coreflux_meter_spikes_rejected_total",
      "Counter increases the meter's own evidence did not explain, held for the next reading (an outlier, or a load the power reports missed)",
      () => counts.readings.get("spike-rejected") ?? 0,
    );
    plain(
      "coreflux_aggregates_published_total",
      "Aggregate messages handed to the broker connection",
      () => counts.published,
    );
    plain(
      "coreflux_aggregates_dropped_total",
      "Aggregate messages dropped or not confirmed by the broker",
      () => counts.publishDropped,
    );
    plain(
      "coreflux_aggregates_refused_total",
      "Aggregate messages dropped because the broker closed the connection after each try to publish them (a topic it refuses)",
      () => counts.publishRefused,
    );
    plain(
      "coreflux_intake_yields_total",
      "Times the intake left the rest of a socket read for a later turn of the event loop, its time budget per turn spent (a large read of readings does not hold up timers and other work)",
      () => counts.intakeYields,
    );
    plain(
      "coreflux_state_write_failures_total",
      "State file writes that failed",
      () => counts.stateWriteFailures,
    );
    plain(
      "coreflux_state_journal_write_failures_total",
      "State journal writes that failed (a crash before the next state write could lose readings)",
      () => counts.journalWriteFailures,
    );
    plain(
      "coreflux_state_journal_batches_total",
      "Batches of messages written to the state journal in one write, before their acknowledgements left",
      () => counts.journalBatches,
    );
    new Gauge({
      name: "coreflux_devices",
      help: "Devices by state (online: a channel reported within the stale threshold)",
      labelNames: ["state"],
      registers,
      collect() {
        const d = gauges().devices;
        this.set({ state: "online" }, d.online);
        this.set({ state: "stale" }, d.stale);
        this.set({ state: "offline" }, d.offline);
      },
    });
    new Gauge({
      name: "coreflux_meters",
      help: "Meters (channels) tracked",
      registers,
      collect() {
        this.set(gauges().meters);
      },
    });
    new Gauge({
      name: "coreflux_broker_connected",
      help: "1 while connected to the MQTT broker",
      registers,
      collect() {
        this.set(gauges().brokerConnected ? 1 : 0);
      },
    });
    const historyGauge = (name: string, help: string, read: (h: HistoryStats) => number) =>
      new Gauge({
        name,
        help,
        registers,
        collect() {
          const h = gauges().history;
          this.set(h === undefined ? 0 : read(h));
        },
      });
    historyGauge("coreflux_history_up", "1 while the history database takes writes", (h) =>
      h.up ? 1 : 0,
    );
    historyGauge(
      "coreflux_history_backlog_rows",
      "History rows waiting for the database (merged by node and period while it is away)",
      (h) => h.queuedRows,
    );
    historyGauge(
      "coreflux_history_backlog_spilled_rows",
      "Of the waiting history rows, those in the spill file next to the state",
      (h) => h.spilledRows,
    );
    historyGauge(
      "coreflux_history_backlog_batches",
      "History batches waiting for the database",
      (h) => h.queuedBatches,
    );
    historyGauge(
      "coreflux_history_backlog_age_seconds",
      "How long the oldest waiting history batch has waited",
      (h) => h.backlogSeconds,
    );
    plain(
      "coreflux_history_rows_written_total",
      "History rows written to the database",
      () => gauges().history?.rowsWritten ?? 0,
    );
    plain(
      "coreflux_history_write_failures_total",
      "History writes (and connection attempts) that failed; the rows wait and are retried",
      () => gauges().history?.writeFailures ?? 0,
    );
    this.cycleSeconds = new Histogram({
      name: "coreflux_publish_cycle_duration_seconds",
      help: "Duration of a publish cycle (collect changes, build and hand over messages)",
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
      registers,
    });
    this.stateWriteSeconds = new Histogram({
      name: "coreflux_state_write_duration_seconds",
      help: "Duration of an atomic state file write",
      buckets: [0.001, 0.01, 0.05, 0.1, 0.5, 1, 5],
      registers,
    });
    this.loopTasks = new LoopTasks(this.registry);
    collectProcessMetrics(this.registry);
  }
}

import { Gauge, Histogram, Registry } from "prom-client";
import { collectProcessMetrics, pulledCounter, pulledKeyedCounter } from "../metrics";
import type { PartitionEntry } from "./rollup-engine";

/** Plain counts the message handler bumps; Prometheus reads them when scraped. */
export class RollupCounts {
  /** MQTT messages received (sources and partition statuses). */
  received = 0;
  /** Source messages taken. */
  accepted = 0;
  /** Source messages refused, by reason (a parse error code). */
  readonly rejected = new Map<string, number>();
  /** Messages ignored on purpose, by reason (`older`, `unexpected-topic`, `bad-status`). */
  readonly ignored = new Map<string, number>();
  /** Source messages whose lifetime total was lower than the held one (the held one kept). */
  decreasesHeld = 0;
  /** Roll-up messages handed to the broker connection. */
  published = 0;
  /** Failed state file writes. */
  stateWriteFailures = 0;

  /** Adds one to a keyed count. */
  static bump(map: Map<string, number>, key: string): void {
    map.set(key, (map.get(key) ?? 0) + 1);
  }
}

/** The roll-up's Prometheus metrics (`coreflux_rollup_*`), in a registry of their own. */
export class RollupMetrics {
  readonly registry = new Registry();
  readonly counts = new RollupCounts();
  /** Seconds one publish cycle took (build, publish, state write). */
  readonly cycleSeconds: Histogram;

  constructor(
    live: () => { sources: number; partitions: PartitionEntry[]; brokerConnected: boolean },
  ) {
    const counts = this.counts;
    const registers = [this.registry];
    const plain = (name: string, help: string, read: () => number) =>
      pulledCounter(this.registry, name, help, read);
    const keyed = (name: string, help: string, map: Map<string, number>) =>
      pulledKeyedCounter(this.registry, name, help, "reason", map);
    const gauge = (name: string, help: string, read: () => number) =>
      new Gauge({
        name,
        help,
        registers,
        collect() {
          this.set(read());
        },
      });
    plain(
      "coreflux_rollup_messages_received_total",
      "MQTT messages received",
      () => counts.received,
    );
    plain(
      "coreflux_rollup_messages_accepted_total",
      "Source messages parsed and taken",
      () => counts.accepted,
    );
    keyed(
      "coreflux_rollup_messages_rejected_total",
      "Source messages rejected, by reason",
      counts.rejected,
    );
    keyed(
      "coreflux_rollup_messages_ignored_total",
      "Messages ignored on purpose, by reason (older than the held one, unexpected topic, unknown status)",
      counts.ignored,
    );
    plain(
      "coreflux_rollup_decreases_held_total",
      "Source messages with a lower lifetime total than the held one, which was kept",
      () => counts.decreasesHeld,
    );
    plain(
      "coreflux_rollup_aggregates_published_total",
      "Roll-up messages handed to the broker connection",
      () => counts.published,
    );
    plain(
      "coreflux_rollup_state_write_failures_total",
      "Failed state file writes",
      () => counts.stateWriteFailures,
    );
    gauge("coreflux_rollup_sources", "Source nodes tracked", () => live().sources);
    gauge(
      "coreflux_rollup_partitions_offline",
      "Partitions whose retained status is offline",
      () => live().partitions.filter((p) => p.Status === "offline").length,
    );
    gauge(
      "coreflux_rollup_partitions_missing",
      "Partitions whose status was never seen",
      () => live().partitions.filter((p) => p.Status === "missing").length,
    );
    gauge("coreflux_rollup_broker_connected", "1 while connected to the broker", () =>
      live().brokerConnected ? 1 : 0,
    );
    this.cycleSeconds = new Histogram({
      name: "coreflux_rollup_publish_cycle_duration_seconds",
      help: "Duration of one publish cycle",
      buckets: [0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1],
      registers,
    });
    collectProcessMetrics(this.registry);
  }
}

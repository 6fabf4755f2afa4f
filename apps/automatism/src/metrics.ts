import type { AutomationEvent } from "@coreflux/automation";
import { Counter, collectDefaultMetrics, Gauge, Registry } from "prom-client";

/** Live figures the gauges read when scraped. */
export interface AutomatismGauges {
  brokerConnected: boolean;
  channels: number;
  channelsInWindow: number;
  /** The schedule mirror's figures (with `mirror_on_device`). */
  mirror: Readonly<Record<string, number>> | undefined;
}

/** The automatism's Prometheus metrics. */
export class AutomatismMetrics {
  readonly registry = new Registry();
  /** Events by kind (`commanded`, `retried`, `confirmed`, `failed`, `override`, ...). */
  private readonly events = new Map<string, number>();
  /** MQTT messages received, and those that could not be used. */
  readonly counts = { received: 0, rejected: 0, commandsPublished: 0 };

  constructor(gauges: () => AutomatismGauges) {
    const registers = [this.registry];
    const events = this.events;
    const counts = this.counts;
    new Counter({
      name: "coreflux_automatism_events_total",
      help: "Automatism decisions, by event (commanded, retried, confirmed, failed, override, excepted, dry-run)",
      labelNames: ["event"],
      registers,
      collect() {
        this.reset();
        for (const [event, n] of events) this.inc({ event }, n);
      },
    });
    new Counter({
      name: "coreflux_automatism_commands_sent_total",
      help: "Switch-off commands published (first attempts and retries)",
      registers,
      collect() {
        this.reset();
        this.inc(counts.commandsPublished);
      },
    });
    new Counter({
      name: "coreflux_automatism_messages_received_total",
      help: "MQTT messages received",
      registers,
      collect() {
        this.reset();
        this.inc(counts.received);
      },
    });
    const gauge = (name: string, help: string, read: (g: AutomatismGauges) => number) =>
      new Gauge({
        name,
        help,
        registers,
        collect() {
          this.set(read(gauges()));
        },
      });
    gauge("coreflux_automatism_channels", "Switch channels known", (g) => g.channels);
    gauge(
      "coreflux_automatism_channels_in_window",
      "Switch channels inside an open window of a rule",
      (g) => g.channelsInWindow,
    );
    gauge("coreflux_automatism_broker_connected", "1 while connected to the MQTT broker", (g) =>
      g.brokerConnected ? 1 : 0,
    );
    new Gauge({
      name: "coreflux_automatism_schedule_mirror",
      help: "The schedule mirror (mirror_on_device): devices mirrored, jobs created, drift repaired, devices not mirrorable, failures",
      labelNames: ["figure"],
      registers,
      collect() {
        this.reset();
        for (const [figure, n] of Object.entries(gauges().mirror ?? {})) this.set({ figure }, n);
      },
    });
    collectDefaultMetrics({ register: this.registry, prefix: "coreflux_automatism_" });
  }

  /** Counts `events` by kind. */
  count(events: readonly AutomationEvent[]): void {
    for (const e of events) this.events.set(e.event, (this.events.get(e.event) ?? 0) + 1);
  }

  /** How many events of `kind` so far. */
  eventCount(kind: string): number {
    return this.events.get(kind) ?? 0;
  }
}

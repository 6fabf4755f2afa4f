import type { Prng } from "./prng";
import { MINUTE_MS, type ScenarioParams, SECOND_MS } from "./scenario";
import type { SimEvent } from "./stream";

/**
 * Spans during which the receiver (the aggregator's broker connection) was down: the broker
 * queues what devices send and delivers it at reconnection, within the same millisecond; the
 * device clocks in the messages keep the production times.
 */
export class ReceiverOutages {
  private readonly spans: [number, number][] = [];

  /** Places the outages of a scenario at uniform times of its main part `[startMs, mainEndMs]`. */
  constructor(rng: Prng, params: ScenarioParams, startMs: number, mainEndMs: number) {
    const reports = params.devices
      .flatMap((d) => d.meters)
      .reduce((sum, m) => sum + (mainEndMs - startMs) / (m.reportEverySec * 1000), 0);
    const n = rng.poisson((params.eventsPer1000Reports.receiverOutage * reports) / 1000);
    const raw: [number, number][] = [];
    for (let i = 0; i < n; i++) {
      const s = rng.int(startMs, mainEndMs);
      raw.push([s, s + Math.round(rng.logUniform(10 * SECOND_MS, 10 * MINUTE_MS))]);
    }
    raw.sort((a, b) => a[0] - b[0]);
    for (const [s, e] of raw) {
      const last = this.spans[this.spans.length - 1];
      if (last && s <= last[1]) last[1] = Math.max(last[1], e);
      else this.spans.push([s, e]);
    }
  }

  /** When a message that reached the broker at `networkMs` reaches the engine (monotone). */
  arrival(networkMs: number): number {
    for (const [s, e] of this.spans) {
      if (networkMs < s) return networkMs;
      if (networkMs < e) return e;
    }
    return networkMs;
  }

  /** The outages as events, for statistics and traces. */
  events(): SimEvent[] {
    return this.spans.map(([s, e]) => ({
      kind: "receiver-outage" as const,
      device: -1,
      meter: -1,
      startMs: s,
      endMs: e,
      detail: `receiver down ${((e - s) / 1000).toFixed(0)} s`,
    }));
  }
}

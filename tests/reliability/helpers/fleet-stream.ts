import type { MqttClient } from "@coreflux/mqtt-adapter";
import type { EnergyTruth, Fleet, FleetRunStats, SimMessage } from "@coreflux/shelly-simulator";
import { sleep } from "@coreflux/test-support";

/** Wall time between two steps of the fleet, ms. */
const TICK_MS = 20;
/** Messages waiting in the client's queue before the stream waits for it to drain. */
const HIGH_WATER = 2000;
/** Wait after a refused publish before trying again, ms. */
const REFUSED_WAIT_MS = 20;

/**
 * A simulated fleet published in real time × `speed` through a reconnecting client of
 * `@coreflux/mqtt-adapter` (QoS 1, queued across disconnects). `runSimulator` gives up when the
 * broker goes away (`PUBLISH_FAILED`); this keeps going, so a test can stop and restart the
 * broker under it. It can also pause (simulated time stands still) to let a test count exactly
 * what was published in a window.
 */
export class FleetStream {
  /** Messages handed to the client so far. */
  published = 0;
  private paused = false;
  /** True while the loop sits in its paused state (no batch half published). */
  private parked = false;
  private pausedAt = 0;
  private stopped = false;
  private loop: Promise<void> | undefined;

  constructor(
    readonly fleet: Fleet,
    private readonly client: MqttClient,
    private readonly speed: number,
  ) {}

  /** Starts publishing (the fleet's start-up messages first). */
  start(): void {
    this.loop = this.run();
  }

  /** Stops stepping the fleet and waits until the broker acknowledged everything published. */
  async pause(): Promise<void> {
    this.paused = true;
    this.pausedAt = performance.now();
    while (!this.parked) await sleep(5);
    await this.client.flush();
  }

  resume(): void {
    this.paused = false;
  }

  /**
   * Ends the run the way `runSimulator` does: every channel publishes its counter (`settle`),
   * every device says `online` false, and everything is acknowledged. Returns the truth.
   */
  async finish(): Promise<{ truth: EnergyTruth; stats: FleetRunStats; messages: number }> {
    this.stopped = true;
    await this.loop;
    await this.publishAll(this.fleet.settle());
    const truth = this.fleet.truth();
    const stats = this.fleet.stats();
    await this.publishAll(this.fleet.shutdown());
    await this.client.flush();
    return { truth, stats, messages: this.published };
  }

  private async run(): Promise<void> {
    let wallStart = performance.now();
    const simStart = this.fleet.nowMs;
    await this.publishAll(this.fleet.step(0));
    while (!this.stopped) {
      if (this.paused) {
        this.parked = true;
        await sleep(TICK_MS);
        if (!this.paused) {
          this.parked = false;
          wallStart += performance.now() - this.pausedAt;
        }
        continue;
      }
      const target = simStart + (performance.now() - wallStart) * this.speed;
      if (target > this.fleet.nowMs)
        await this.publishAll(this.fleet.step(target - this.fleet.nowMs));
      await sleep(TICK_MS);
    }
  }

  private async publishAll(messages: readonly SimMessage[]): Promise<void> {
    for (const m of messages) {
      // A refused publish (queue full, or the broker away): wait for the queue to drain, and at
      // least a moment, since flush() resolves at once when nothing is queued (the loop would
      // never yield while the broker is down).
      while (!this.client.publish(m.topic, m.payload, { qos: 1 })) {
        await this.client.flush();
        await sleep(REFUSED_WAIT_MS);
      }
      this.published++;
      if (this.client.stats().queued >= HIGH_WATER) await this.client.flush();
    }
  }
}

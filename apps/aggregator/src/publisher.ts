import { type EnergyEngine, formatMwhAsWh } from "@coreflux/hierarchy";
import type { MqttClient } from "@coreflux/mqtt-adapter";
import type { Logger } from "pino";
import { nextSlice } from "./loop-share";
import type { TimeTask } from "./loop-tasks";
import type { Counts } from "./metrics";
import { buildMessage } from "./output/build-payload";
import type { PublishCycle } from "./output/cycle-output";
import { NodeQueue } from "./output/node-queue";

/** Publish settings (the `[publish]` table). */
export interface PublisherOptions {
  retain: boolean;
  qos: 0 | 1;
  nested: boolean;
  fullRefreshEvery: number;
  /** Room left in the client's publish queue; the rest waits for `drain`. */
  queueCapacity: number;
  /**
   * Room the last cycle before a stop ({@link Publisher.finish}) may take in the client's queue
   * (default `queueCapacity`): everything it cannot queue waits for the next process.
   */
  stopQueueCapacity?: number;
  /**
   * Messages built in one turn of the event loop at most (default {@link SLICE_MESSAGES}): the
   * rest of a large cycle follows in slices of later turns (taking turns with the service's
   * other slices, see `loop-share`), so that intake never waits for a whole cycle's payloads.
   */
  sliceMessages?: number;
  /**
   * Time one slice may take at most, ms (default {@link SLICE_BUDGET_MS}): a slice also ends
   * when it has run this long, whatever it has built.
   */
  sliceBudgetMs?: number;
  /** Measures each slice after the cycle's first (default: runs it unmeasured). */
  timeTask?: TimeTask;
}

/** Payloads built per turn of the event loop at most. */
export const SLICE_MESSAGES = 500;

/**
 * A slice's time budget, ms: a busy or slow machine builds fewer payloads per turn (500 took
 * up to 46 ms on a loaded 2-vCPU machine), so intake never waits longer than about this.
 */
export const SLICE_BUDGET_MS = 8;

/** What one cycle did. */
export interface CycleReport {
  /** Nodes whose values changed since the previous cycle. */
  changed: number;
  /** Messages handed to the MQTT client in this cycle. */
  published: number;
  /** Nodes still waiting because the client's queue is full (published on `drain`). */
  waiting: number;
  full: boolean;
}

/**
 * Publishes the aggregates: each cycle the nodes that changed, every `fullRefreshEvery` cycles
 * all of them. Nodes wait in a {@link NodeQueue} (at most one entry per node, so memory is
 * bounded by the tree; filling it with 100,000 changed nodes takes well under a millisecond) and
 * are built when they are sent, so a node that changes twice is published once with its latest
 * values. When the client's queue is full the rest waits until the client has
 * sent what it holds: intake never stalls and nothing is dropped.
 */
export class Publisher {
  private readonly waiting = new NodeQueue();
  private cycles = 0;
  private refillPending = false;
  private sliceScheduled = false;

  constructor(
    private readonly engine: EnergyEngine,
    private readonly client: MqttClient,
    private readonly counts: Counts,
    private readonly log: Logger,
    private readonly options: PublisherOptions,
    private readonly clock: () => number = Date.now,
  ) {}

  /**
   * Hands everything waiting that the client's queue takes to it now, in one go: the last
   * cycle before a stop, whose messages must be queued before the client closes.
   */
  finish(nowMs: number): number {
    return this.pump(nowMs, false);
  }

  /** Nodes waiting to be published. */
  get backlog(): number {
    return this.waiting.size;
  }

  /** Collects the changes (all nodes on a full refresh) and publishes what the queue takes. */
  cycle({ nowMs, changed, hidden }: PublishCycle): CycleReport {
    const full = this.cycles % this.options.fullRefreshEvery === 0;
    this.cycles++;
    if (full) {
      for (let id = 0; id < this.engine.nodeCount; id++) {
        if (hidden?.has(id) !== true) this.waiting.add(id);
      }
    } else {
      for (const id of changed) this.waiting.add(id);
    }
    const published = this.pump(nowMs);
    return { changed: changed.length, published, waiting: this.waiting.size, full };
  }

  /**
   * Publishes waiting nodes while the client's queue has room, one slice per turn of the event
   * loop; returns how many this turn. What the queue has no room for is published once the
   * client has sent what it holds; what the slice left goes in the next turn.
   */
  pump(nowMs: number, sliced = true): number {
    if (this.waiting.size === 0) return 0;
    const capacity = sliced
      ? this.options.queueCapacity
      : (this.options.stopQueueCapacity ?? this.options.queueCapacity);
    const queueRoom = capacity - this.client.stats().queued;
    const slice = sliced ? (this.options.sliceMessages ?? SLICE_MESSAGES) : queueRoom;
    const room = Math.min(queueRoom, slice);
    const budgetMs = sliced ? (this.options.sliceBudgetMs ?? SLICE_BUDGET_MS) : Infinity;
    const startedMs = performance.now();
    let outOfTime = false;
    let published = 0;
    const debug = this.log.isLevelEnabled("debug");
    while (this.waiting.size > 0) {
      if (published >= room) break;
      if ((published & 15) === 15 && performance.now() - startedMs > budgetMs) {
        outOfTime = true;
        break;
      }
      const id = this.waiting.peek()!;
      const { topic, payload } = buildMessage(this.engine, id, nowMs, this.options.nested);
      if (
        !this.client.publish(topic, JSON.stringify(payload), {
          qos: this.options.qos,
          retain: this.options.retain,
        })
      ) {
        // Not taken: it stays first, for the next slice.
        break;
      }
      this.waiting.shift();
      published++;
      if (debug) {
        const view = this.engine.view(id, nowMs);
        this.log.debug(
          { topic, energyWh: formatMwhAsWh(view.energyMwh), powerW: view.powerW },
          `${["Company", "Office", "Room", "Device"][view.depth] ?? "Node"} ${view.name}: total energy ${formatMwhAsWh(view.energyMwh)} Wh`,
        );
      }
    }
    this.counts.published += published;
    if (this.waiting.size > 0 && (outOfTime || (published === slice && queueRoom > slice))) {
      // The queue takes more: the next slice after intake had its turn.
      if (!this.sliceScheduled) {
        this.sliceScheduled = true;
        nextSlice(() => {
          this.sliceScheduled = false;
          this.laterSlice();
        });
      }
      return published;
    }
    if (this.waiting.size > 0 && !this.refillPending) {
      this.refillPending = true;
      // Once the queue has gone out (the last messages may still be in flight): built messages
      // never wait long in memory, and the connection never waits for the next ones.
      this.client.whenQueueEmpty().then(
        () => {
          this.refillPending = false;
          this.laterSlice();
        },
        () => {
          // The client was closed: what waits is published by the next process from its state.
          this.refillPending = false;
        },
      );
    }
    return published;
  }

  /** A slice after the cycle's own, in a turn of its own. */
  private laterSlice(): void {
    const time = this.options.timeTask;
    if (time === undefined) this.pump(this.clock());
    else time("publish_slice", () => this.pump(this.clock()));
  }
}

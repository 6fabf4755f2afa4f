import type { QoS } from "./client-options";
import type { PublishDroppedEvent } from "./client-types";
import { MqttAdapterError } from "./errors";
import { PublishQueue, type QueuedPublish } from "./publish-queue";

/** Hands one message to mqtt.js; `done` is called once it is confirmed or failed. */
export type SendFn = (message: QueuedPublish, done: (error?: Error | null) => void) => void;

interface Flight {
  readonly message: QueuedPublish;
  settled: boolean;
}

/** What the pump tells its owner. */
export interface PumpListener {
  dropped(event: PublishDroppedEvent): void;
  queueFull(queued: number, queuedBytes: number): void;
  drain(): void;
}

/** Messages handed to mqtt.js per event-loop turn, at most. */
export const SEND_BATCH = 64;

/**
 * The outgoing side: a bounded queue in front of a bounded in-flight window. Messages move
 * from the queue to mqtt.js only while connected and while fewer than `maxInFlight` are
 * unconfirmed, so neither this process nor mqtt.js's own buffers grow with a burst: the socket's
 * write callback (QoS 0) or the broker's acknowledgement (QoS 1/2) opens the next slot.
 *
 * Sending happens in `setImmediate` batches of {@link SEND_BATCH}, never from inside
 * `publish()` or a write callback: a socket that accepts every write at once completes writes
 * on `process.nextTick`, and a pump driven by those completions would never let the event loop
 * poll the socket for incoming messages until the whole backlog is out.
 */
export class PublishPump {
  readonly #queue: PublishQueue;
  readonly #maxInFlight: number;
  /** The in-flight limit of the current connection: maxInFlight, or less if the broker says so. */
  #window: number;
  readonly #send: SendFn;
  readonly #listener: PumpListener;
  readonly #inFlight = new Set<Flight>();
  #connected = false;
  #closed = false;
  #scheduled = false;
  #running = false;
  #full = false;
  #idleWaiters: { resolve: () => void; reject: (error: Error) => void }[] = [];
  published = 0;
  dropped = 0;
  failed = 0;

  constructor(
    limits: { maxMessages: number; maxBytes: number; maxInFlight: number },
    send: SendFn,
    listener: PumpListener,
  ) {
    this.#queue = new PublishQueue(limits.maxMessages, limits.maxBytes);
    this.#maxInFlight = limits.maxInFlight;
    this.#window = limits.maxInFlight;
    this.#send = send;
    this.#listener = listener;
  }

  get queued(): number {
    return this.#queue.length;
  }

  get queuedBytes(): number {
    return this.#queue.bytes;
  }

  get inFlight(): number {
    return this.#inFlight.size;
  }

  get idle(): boolean {
    return this.#queue.length === 0 && this.#inFlight.size === 0;
  }

  /** Queues a message; false (counted and reported as `QUEUE_FULL` or `CLOSED`) if it cannot. */
  enqueue(topic: string, payload: Buffer, qos: QoS, retain: boolean): boolean {
    const bytes =
      payload.length + (topic.length < 128 ? utf8Length(topic) : Buffer.byteLength(topic));
    if (this.#closed) {
      this.#drop({ topic, payload, qos, retain, bytes }, "CLOSED");
      return false;
    }
    if (!this.#queue.push({ topic, payload, qos, retain, bytes })) {
      if (!this.#full) {
        this.#full = true;
        this.#listener.queueFull(this.#queue.length, this.#queue.bytes);
      }
      this.#drop({ topic, payload, qos, retain, bytes }, "QUEUE_FULL");
      return false;
    }
    this.#schedule();
    return true;
  }

  /**
   * Starts (true) or stops (false) handing messages to mqtt.js. `receiveMaximum` is the MQTT 5
   * broker's limit of unacknowledged QoS 1/2 publishes, which the window then never exceeds.
   */
  setConnected(connected: boolean, receiveMaximum?: number): void {
    this.#connected = connected;
    if (connected) {
      this.#window =
        receiveMaximum !== undefined && receiveMaximum > 0
          ? Math.min(this.#maxInFlight, receiveMaximum)
          : this.#maxInFlight;
      this.#schedule();
      return;
    }
    // QoS 0 writes still waiting for the old socket's 'drain' never complete: the socket is gone.
    for (const flight of [...this.#inFlight]) {
      if (flight.message.qos === 0) {
        this.#settle(flight, new Error("connection lost before the message was written"));
      }
    }
  }

  /** Resolves when nothing is queued or in flight; rejects with `CLOSED` if `close()` comes first. */
  whenIdle(): Promise<void> {
    if (this.idle) return Promise.resolve();
    return new Promise((resolve, reject) => this.#idleWaiters.push({ resolve, reject }));
  }

  /** Stops for good: everything still queued is dropped (`CLOSED`), everything in flight failed. */
  close(): void {
    this.#closed = true;
    this.#connected = false;
    const waiters = this.#idleWaiters;
    this.#idleWaiters = [];
    for (const message of this.#queue.clear()) this.#drop(message, "CLOSED");
    for (const flight of [...this.#inFlight]) {
      this.#settle(flight, new Error("not confirmed before close()"));
    }
    for (const waiter of waiters) {
      waiter.reject(
        new MqttAdapterError("CLOSED", "the client was closed before the queue drained"),
      );
    }
  }

  #schedule(): void {
    if (this.#scheduled || this.#running || !this.#connected) return;
    if (this.#queue.length === 0 || this.#inFlight.size >= this.#window) return;
    this.#scheduled = true;
    setImmediate(this.#run);
  }

  readonly #run = (): void => {
    this.#scheduled = false;
    this.#running = true;
    try {
      for (let budget = SEND_BATCH; budget > 0; budget--) {
        if (!this.#connected || this.#inFlight.size >= this.#window) break;
        const message = this.#queue.shift();
        if (message === undefined) break;
        const flight: Flight = { message, settled: false };
        this.#inFlight.add(flight);
        this.#send(message, (error) => this.#settle(flight, error));
      }
    } finally {
      this.#running = false;
    }
    this.#afterProgress();
    this.#schedule();
  };

  #settle(flight: Flight, error: Error | null | undefined): void {
    if (flight.settled) return;
    flight.settled = true;
    this.#inFlight.delete(flight);
    const { message } = flight;
    if (error == null) {
      this.published++;
    } else if (
      !this.#closed &&
      message.qos > 0 &&
      typeof (error as { code?: unknown }).code !== "number"
    ) {
      // Lost with the connection, not rejected by the broker: send again after reconnecting.
      // The broker may have it already, which at-least-once allows.
      this.#queue.unshift(message);
    } else {
      this.failed++;
      const reason =
        typeof (error as { code?: unknown }).code === "number"
          ? "rejected by the broker"
          : "given up";
      this.#report(
        message,
        "PUBLISH_FAILED",
        new MqttAdapterError(
          "PUBLISH_FAILED",
          `publish to ${JSON.stringify(message.topic)} ${reason}: ${error.message}`,
          { cause: error },
        ),
      );
    }
    if (this.#running) return; // the batch loop takes it from here
    this.#afterProgress();
    this.#schedule();
  }

  #drop(message: QueuedPublish, reason: "QUEUE_FULL" | "CLOSED"): void {
    this.dropped++;
    this.#report(message, reason, undefined);
  }

  #report(
    message: QueuedPublish,
    reason: PublishDroppedEvent["reason"],
    error: MqttAdapterError | undefined,
  ): void {
    this.#listener.dropped({ topic: message.topic, bytes: message.bytes, reason, error });
  }

  /** After messages moved: ends a "full" episode with `drain`, wakes `whenIdle()` waiters. */
  #afterProgress(): void {
    if (this.#full && this.#queue.length === 0) {
      this.#full = false;
      this.#listener.drain();
    }
    if (this.#idleWaiters.length > 0 && this.idle) {
      const waiters = this.#idleWaiters;
      this.#idleWaiters = [];
      for (const waiter of waiters) waiter.resolve();
    }
  }
}

/** UTF-8 byte length of a short string without calling into C++. */
function utf8Length(text: string): number {
  let bytes = text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0x80) bytes += c >= 0x800 && (c < 0xd800 || c > 0xdfff) ? 2 : 1;
  }
  return bytes;
}

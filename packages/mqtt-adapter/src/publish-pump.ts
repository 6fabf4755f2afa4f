import type { QoS } from "./client-options";
import type { PublishDroppedEvent } from "./client-types";
import { MqttAdapterError } from "./errors";
import { PublishQueue, type QueuedPublish } from "./publish-queue";

/** Hands one message to mqtt.js; `done` is called once it is confirmed or failed. */
export type SendFn = (message: QueuedPublish, done: (error?: Error | null) => void) => void;

interface Flight {
  readonly message: QueuedPublish;
  settled: boolean;
  /** Sent as a suspect: alone, nothing else goes out until it settles. */
  readonly suspect: boolean;
}

/** What the pump tells its owner. */
export interface PumpListener {
  dropped(event: PublishDroppedEvent): void;
  queueFull(queued: number, queuedBytes: number): void;
  drain(): void;
  /** A message was dropped as `REFUSED` (also reported through `dropped`). */
  refused?(topic: string, strikes: number): void;
}

/** Messages handed to mqtt.js per event-loop turn, at most. */
export const SEND_BATCH = 64;

/**
 * Strikes after which a QoS 1/2 message is dropped as `REFUSED`. A strike is a lost connection
 * while that message was the only one in flight (see {@link PublishPump}). Three: one loss can
 * be the network, two in a row right after the same lone message hardly, three is the broker.
 */
export const MAX_STRIKES = 3;

/** The text of a `REFUSED` drop: what happened and the usual reason. */
export function refusedText(topic: string): string {
  return `broker closed the connection after each try to publish ${JSON.stringify(topic)}: dropped after ${MAX_STRIKES} tries; some brokers refuse topics with spaces or dots (NATS), others close the connection on an ACL denial`;
}

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
 *
 * **Poison messages.** Some brokers close the connection instead of refusing one publish (NATS
 * for a topic with a space or a dot, others on an ACL denial). Resending such a message first
 * at every reconnect would block every later publish forever, so QoS 1/2 messages lost in flight
 * with a connection become *suspects*: after reconnecting they go out one at a time (window 1),
 * before anything else, each waiting for its acknowledgement. A suspect earns a *strike* when
 * the connection is lost while it is the only message in flight: sent alone, nothing else can
 * have caused the loss. (The alternative, "in flight at N consecutive losses", would also strike
 * the innocent messages sent in the same window, and any message during a run of network
 * failures.) At {@link MAX_STRIKES} strikes it is dropped with reason `REFUSED`, counted in
 * `refused`. Messages in flight beside it only become suspects and, sent alone, are confirmed.
 * Strikes belong to one message: confirming another resets nothing.
 */
export class PublishPump {
  readonly #queue: PublishQueue;
  readonly #maxInFlight: number;
  /** The in-flight limit of the current connection: maxInFlight, or less if the broker says so. */
  #window: number;
  readonly #send: SendFn;
  readonly #listener: PumpListener;
  readonly #inFlight = new Set<Flight>();
  /** Suspects (messages lost in flight with a connection) and their strikes. */
  readonly #suspects = new Map<QueuedPublish, number>();
  #suspectInFlight = false;
  #connected = false;
  #closed = false;
  #scheduled = false;
  #running = false;
  #full = false;
  /** Waiters of {@link whenIdle} (`queueOnly` false) and {@link whenQueueEmpty} (true). */
  #idleWaiters: { queueOnly: boolean; resolve: () => void; reject: (error: Error) => void }[] = [];
  published = 0;
  dropped = 0;
  failed = 0;
  /** Messages dropped as `REFUSED` (the broker closed the connection at every try). */
  refused = 0;

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

  /** Messages waiting to be resent one at a time after a lost connection. */
  get suspects(): number {
    return this.#suspects.size;
  }

  /** Strikes of the queued or in-flight message sent to `topic` first, if it is a suspect. */
  strikesOf(topic: string): number | undefined {
    for (const [message, strikes] of this.#suspects) if (message.topic === topic) return strikes;
    return undefined;
  }

  get idle(): boolean {
    return this.#queue.length === 0 && this.#inFlight.size === 0;
  }

  /** Queues a message; false (counted and reported as `QUEUE_FULL` or `CLOSED`) if it cannot. */
  enqueue(topic: string, payload: Buffer | string, qos: QoS, retain: boolean): boolean {
    const bytes =
      (typeof payload === "string" ? Buffer.byteLength(payload, "utf8") : payload.length) +
      (topic.length < 128 ? utf8Length(topic) : Buffer.byteLength(topic));
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
    this.#connectionLost();
  }

  /**
   * Takes back everything in flight on a lost connection. QoS 0 writes still waiting for the old
   * socket's 'drain' never complete: they failed. QoS 1/2 messages go back to the front of the
   * queue, in their order, as suspects; the one message in flight alone gets a strike. The
   * owner never lets mqtt.js resend them (a new mqtt.js client per connection), so a late
   * callback of the old connection is ignored.
   */
  #connectionLost(): void {
    const flights = [...this.#inFlight];
    if (flights.length === 0) return;
    const alone = flights.length === 1;
    const lost: QueuedPublish[] = [];
    const wasRunning = this.#running;
    this.#running = true; // settle without scheduling: we are disconnected anyway
    try {
      for (const flight of flights) {
        if (flight.message.qos === 0) {
          this.#settle(flight, new Error("connection lost before the message was written"));
        } else {
          flight.settled = true;
          this.#inFlight.delete(flight);
          lost.push(flight.message);
        }
      }
    } finally {
      this.#running = wasRunning;
    }
    this.#suspectInFlight = false;
    for (let i = lost.length - 1; i >= 0; i--) {
      const message = lost[i] as QueuedPublish;
      const strikes = (this.#suspects.get(message) ?? 0) + (alone ? 1 : 0);
      if (strikes >= MAX_STRIKES) {
        this.#refuse(message, strikes);
        continue;
      }
      this.#suspects.set(message, strikes);
      this.#queue.unshift(message);
    }
    this.#afterProgress();
  }

  /** Resolves when nothing is queued or in flight; rejects with `CLOSED` if `close()` comes first. */
  whenIdle(): Promise<void> {
    if (this.idle) return Promise.resolve();
    return new Promise((resolve, reject) =>
      this.#idleWaiters.push({ queueOnly: false, resolve, reject }),
    );
  }

  /**
   * Resolves when nothing is queued (messages may still be in flight): the moment to queue more
   * without leaving the connection idle. Rejects with `CLOSED` if `close()` comes first.
   */
  whenQueueEmpty(): Promise<void> {
    if (this.#queue.length === 0) return Promise.resolve();
    return new Promise((resolve, reject) =>
      this.#idleWaiters.push({ queueOnly: true, resolve, reject }),
    );
  }

  /** Stops for good: everything still queued is dropped (`CLOSED`), everything in flight failed. */
  close(): void {
    this.#closed = true;
    this.#connected = false;
    const waiters = this.#idleWaiters;
    this.#idleWaiters = [];
    this.#suspects.clear();
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
    if (this.#scheduled || this.#running || !this.#canSend()) return;
    this.#scheduled = true;
    setImmediate(this.#run);
  }

  /** True when the next queued message may go out now. */
  #canSend(): boolean {
    if (!this.#connected || this.#suspectInFlight || this.#inFlight.size >= this.#window) {
      return false;
    }
    const next = this.#queue.peek();
    if (next === undefined) return false;
    // A suspect goes out alone: it waits for the window to empty.
    return this.#inFlight.size === 0 || !this.#suspects.has(next);
  }

  readonly #run = (): void => {
    this.#scheduled = false;
    this.#running = true;
    try {
      for (let budget = SEND_BATCH; budget > 0; budget--) {
        if (!this.#canSend()) break;
        const message = this.#queue.shift() as QueuedPublish;
        const suspect = this.#suspects.has(message);
        const flight: Flight = { message, settled: false, suspect };
        if (suspect) this.#suspectInFlight = true;
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
    if (flight.suspect) this.#suspectInFlight = false;
    const { message } = flight;
    if (error == null) {
      this.#suspects.delete(message);
      this.published++;
    } else if (
      !this.#closed &&
      message.qos > 0 &&
      typeof (error as { code?: unknown }).code !== "number"
    ) {
      // Lost with the connection, not rejected by the broker: send again after reconnecting,
      // as a suspect. The broker may have it already, which at-least-once allows.
      if (!this.#suspects.has(message)) this.#suspects.set(message, 0);
      this.#queue.unshift(message);
    } else {
      this.#suspects.delete(message);
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

  #refuse(message: QueuedPublish, strikes: number): void {
    this.#suspects.delete(message);
    this.refused++;
    this.#listener.refused?.(message.topic, strikes);
    this.#report(
      message,
      "REFUSED",
      new MqttAdapterError("PUBLISH_FAILED", refusedText(message.topic)),
    );
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
    if (this.#idleWaiters.length > 0 && this.#queue.length === 0) {
      const idle = this.idle;
      const waiters = this.#idleWaiters;
      this.#idleWaiters = waiters.filter((w) => !(w.queueOnly || idle));
      for (const waiter of waiters) if (waiter.queueOnly || idle) waiter.resolve();
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

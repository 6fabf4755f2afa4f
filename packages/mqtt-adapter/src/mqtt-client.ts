import { inspect } from "node:util";
import {
  type IClientPublishOptions,
  type ISubscriptionMap,
  type MqttClient as MqttJsClient,
  connect as mqttConnect,
  Store,
} from "mqtt";
import { reconnectDelayMs, refusedDelayMs } from "./backoff";
import {
  ClosedBeforeConnackError,
  type ConnectionContext,
  classifyConnectionError,
} from "./classify-error";
import {
  type Endpoint,
  type MqttClientOptions,
  type QoS,
  type ResolvedClientOptions,
  resolveClientOptions,
} from "./client-options";
import type {
  ConnectOptions,
  MessageHandler,
  MqttClientEvents,
  MqttClientStats,
  PublishOptions,
} from "./client-types";
import { endClient, withDeadline } from "./end-client";
import { MqttAdapterError } from "./errors";
import type { Logger } from "./logger";
import { MessageIntake } from "./message-intake";
import { STATUS_OFFLINE, STATUS_ONLINE, toMqttJsOptions } from "./mqttjs-options";
import { PublishPump, refusedText } from "./publish-pump";
import type { QueuedPublish } from "./publish-queue";
import { mqtt5ReasonName } from "./reason-codes";
import { loadTlsMaterial, type TlsMaterial } from "./tls-material";
import { validateTopic } from "./topic-validate";
import { TypedEmitter, type Unsubscribe } from "./typed-emitter";
import { type GatherableStream, gathererOf } from "./write-gather";

type State = "idle" | "starting" | "connecting" | "connected" | "waiting" | "closing" | "closed";

/** mqtt.js publish options, shared instead of allocated per message. */
const PUBLISH_OPTIONS: readonly (readonly IClientPublishOptions[])[] = [0, 1, 2].map((qos) => [
  { qos: qos as QoS, retain: false },
  { qos: qos as QoS, retain: true },
]);
const noop = (): void => {};
/** The socket as far as corking goes (every mqtt.js transport is a Node writable). */
type CorkableStream = NodeJS.WritableStream & {
  cork?: () => void;
  uncork?: () => void;
  destroy?: () => void;
};
/** Topics remembered for "log a REFUSED drop once per topic"; beyond this, no more logs. */
const MAX_REFUSED_TOPICS_LOGGED = 1000;

/**
 * Creates a client; nothing happens on the network until `connect()`. Throws `INVALID_URL`,
 * `INVALID_OPTIONS` or `INVALID_TOPIC_FILTER` synchronously for bad options (no secret in the
 * message).
 */
export function createMqttClient(options: MqttClientOptions): MqttClient {
  return new MqttClient(options);
}

/**
 * A dependable MQTT client over mqtt.js: reconnects forever with jittered exponential backoff,
 * resubscribes on every connection, acknowledges a message only after the handler finished,
 * and publishes through a bounded queue. It never throws from a socket callback and never
 * emits an unhandled error: everything that goes wrong while running is an `error` event.
 *
 * Every connection attempt gets its own mqtt.js client (for the URL in turn with `urls`); the
 * previous one is ended first. So mqtt.js never replays publishes of a lost connection by
 * itself: the publish pump decides what is resent, and in which order (see `PublishPump`).
 * The store of incoming QoS 2 messages is shared by all of them, so a QoS 2 message whose
 * PUBREL arrives on the next connection is still delivered.
 */
export class MqttClient {
  readonly #options: ResolvedClientOptions;
  readonly #log: Logger;
  readonly #events: TypedEmitter<MqttClientEvents>;
  readonly #intake: MessageIntake;
  readonly #pump: PublishPump;
  #mqtt: MqttJsClient | undefined;
  /** Incoming QoS 2 messages waiting for their PUBREL, kept across mqtt.js clients. */
  readonly #incomingStore = new Store({ clean: false });
  #tls: TlsMaterial | undefined;
  /** Index in `endpoints` of the URL in use (or tried next). */
  #endpointIndex = 0;
  /** URLs tried since the last wait (a round tries each once). */
  #triedInRound = 0;
  /** Rounds that ended without a connection since the last success: scales the backoff. */
  #round = 0;
  readonly #refusedTopicsLogged = new Set<string>();
  /** Ends of abandoned mqtt.js clients still under way; `close()` waits for them. */
  readonly #retiring = new Set<Promise<void>>();
  #state: State = "idle";
  #startPromise: Promise<void> | undefined;
  #closePromise: Promise<void> | undefined;
  #reconnectTimer: NodeJS.Timeout | undefined;
  #attempt = 0;
  #attemptError: MqttAdapterError | undefined;
  #streamError: Error | undefined;
  #lastError: MqttAdapterError | undefined;
  #everConnected = false;
  #connectAttempts = 0;
  #reconnects = 0;
  #warnedNoHandler = false;
  /** The socket corked now (for the rest of this turn, or for a write hold), if any. */
  #corkedStream: CorkableStream | undefined;
  /** Uncorks `#corkedStream` now (after `beforeAcks`); false when `beforeAcks` threw. */
  #releaseCork: (() => boolean) | undefined;
  /** Whether the release of a write hold was moved to the end of the current turn. */
  #releaseSoon = false;
  /** Acknowledgements written into the corked socket since it was corked. */
  #acksHeld = 0;
  /** Messages were acknowledged since `beforeAcks` last ran: their PUBACKs wait in the socket. */
  #acksPending = false;
  /** Connected and the subscriptions of this connection answered: what connect() waits for. */
  #ready = false;
  #connectWaiters = new Set<{ resolve: () => void; reject: (error: Error) => void }>();

  constructor(options: MqttClientOptions) {
    this.#options = resolveClientOptions(options);
    this.#log = this.#options.logger;
    this.#events = new TypedEmitter((error, event) => {
      this.#log.error(
        { err: describe(error), event },
        "an event listener threw; the client ignores it and goes on",
      );
    });
    this.#intake = new MessageIntake(
      (error) => this.#emitError(error, "warn"),
      // Packets after a parked message (the SUBACK among them) wait for a handler: connect()
      // must not wait for the SUBACK then, or `await connect(); onMessage(...)` would hang.
      () => this.#resolveConnectWaiters(),
      this.#options.turnBudgetMs,
    );
    this.#pump = new PublishPump(this.#options, (message, done) => this.#send(message, done), {
      dropped: (event) => {
        if (this.#events.hasListeners("publishDropped")) this.#events.emit("publishDropped", event);
      },
      queueFull: (queued, queuedBytes) =>
        this.#log.warn(
          {
            queued,
            queuedBytes,
            maxMessages: this.#options.maxMessages,
            maxBytes: this.#options.maxBytes,
          },
          "publish queue full: dropping new messages until it drains",
        ),
      drain: () => this.#events.emit("drain", undefined),
      refused: (topic, strikes) => this.#logRefused(topic, strikes),
    });
  }

  /** True between a successful CONNACK and the loss of that connection. */
  get isConnected(): boolean {
    return this.#state === "connected";
  }

  /**
   * The broker URL in use, password redacted: the connected one, or while disconnected the one
   * being tried or tried next. Always `url`'s without `urls`.
   */
  get currentUrl(): string {
    return this.#endpoint.redactedUrl;
  }

  /** The client identifier sent to the broker. */
  get clientId(): string {
    return this.#options.clientId;
  }

  /** Subscribes to an event; returns a function that unsubscribes. See {@link MqttClientEvents}. */
  on<E extends keyof MqttClientEvents>(
    event: E,
    listener: (payload: MqttClientEvents[E]) => void,
  ): Unsubscribe {
    return this.#events.on(event, listener);
  }

  /**
   * Sets the handler for every incoming message (replacing any earlier one). Messages that
   * arrive before a handler is set wait, unacknowledged, so none is lost to a race at startup.
   */
  onMessage(handler: MessageHandler): void {
    if (typeof handler !== "function") {
      throw new MqttAdapterError("INVALID_OPTIONS", "onMessage needs a function");
    }
    this.#intake.setHandler(handler);
  }

  /**
   * Connects, and keeps reconnecting until `close()`. Resolves at the first successful
   * connection, once the broker answered the subscriptions (or a message is waiting for a
   * handler that is not registered yet), or at once with `wait: false`. Rejects with `CLOSED`
   * if closed first, with `NOT_CONNECTED` after `timeoutMs`, and with `INVALID_OPTIONS` /
   * `TLS_FAILED` when the TLS files cannot be read or loaded. Calling it again is harmless.
   */
  connect(options: ConnectOptions = {}): Promise<void> {
    const { wait = true, timeoutMs } = options;
    if (typeof wait !== "boolean") {
      throw new MqttAdapterError("INVALID_OPTIONS", "wait must be a boolean");
    }
    if (
      timeoutMs !== undefined &&
      (!Number.isInteger(timeoutMs) || timeoutMs < 1 || timeoutMs > 2_147_483_647)
    ) {
      throw new MqttAdapterError("INVALID_OPTIONS", "timeoutMs must be a positive integer");
    }
    if (this.#state === "closing" || this.#state === "closed") {
      return handled(Promise.reject(new MqttAdapterError("CLOSED", "the client is closed")));
    }
    if (this.#startPromise === undefined) {
      this.#startPromise = this.#start();
      // A failed start may be retried by calling connect() again.
      this.#startPromise.catch(() => {
        this.#startPromise = undefined;
      });
    }
    const started = this.#startPromise;
    if (!wait) return handled(started);
    return handled(started.then(() => this.#whenConnected(timeoutMs)));
  }

  /**
   * Queues a message. Returns true when queued, false when dropped because the queue is full
   * (`QUEUE_FULL`) or the client is closed (`CLOSED`); drops are counted in `stats().dropped`
   * and emitted as `publishDropped`. Messages queue while disconnected and go out after the
   * next CONNACK. Throws `INVALID_TOPIC` / `INVALID_OPTIONS` for a bad topic or options.
   * A string payload is sent as UTF-8; bytes are sent as given, without a copy, so do not
   * change them afterwards.
   */
  publish(topic: string, payload: string | Uint8Array, options?: PublishOptions): boolean {
    const check = validateTopic(topic);
    if (!check.ok) throw check.error;
    const qos = options?.qos ?? 0;
    const retain = options?.retain ?? false;
    if (qos !== 0 && qos !== 1 && qos !== 2) {
      throw new MqttAdapterError("INVALID_OPTIONS", "publish qos must be 0, 1 or 2");
    }
    if (typeof retain !== "boolean") {
      throw new MqttAdapterError("INVALID_OPTIONS", "publish retain must be a boolean");
    }
    // A string stays a string (see QueuedPublish.payload); bytes are wrapped, never copied.
    let bytes: Buffer | string;
    if (typeof payload === "string") bytes = payload;
    else if (Buffer.isBuffer(payload)) bytes = payload;
    else if (payload instanceof Uint8Array) {
      bytes = Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
    } else {
      throw new MqttAdapterError("INVALID_OPTIONS", "publish payload must be a string or bytes");
    }
    return this.#pump.enqueue(topic, bytes, qos, retain);
  }

  /**
   * Resolves when every queued message has been handed over and confirmed (QoS 0: written;
   * QoS 1/2: acknowledged). Waits across reconnects; rejects with `CLOSED` if `close()` ends
   * the wait with messages left.
   */
  flush(): Promise<void> {
    return this.#pump.whenIdle();
  }

  /**
   * Resolves when nothing waits in the queue, though messages may still be in flight (unlike
   * {@link flush}): queueing the next batch then keeps the connection busy without holding many
   * built messages in memory. Waits across reconnects; rejects with `CLOSED` if `close()` comes
   * first.
   */
  whenQueueEmpty(): Promise<void> {
    return this.#pump.whenQueueEmpty();
  }

  /** A snapshot of the counters. */
  stats(): MqttClientStats {
    return {
      received: this.#intake.received,
      handlerErrors: this.#intake.handlerErrors,
      intakeYields: this.#intake.turnsYielded,
      published: this.#pump.published,
      dropped: this.#pump.dropped,
      failed: this.#pump.failed,
      refused: this.#pump.refused,
      queued: this.#pump.queued,
      queuedBytes: this.#pump.queuedBytes,
      inFlight: this.#pump.inFlight,
      connectAttempts: this.#connectAttempts,
      reconnects: this.#reconnects,
    };
  }

  /**
   * Closes gracefully and idempotently: when connected, flushes the queue and publishes the
   * retained `offline` status (both within `closeTimeoutMs`), then disconnects. Whatever is
   * still queued is dropped (`CLOSED`), whatever is unconfirmed failed. Leaves no timer and
   * no socket behind. Never rejects.
   */
  close(): Promise<void> {
    this.#closePromise ??= this.#close();
    return this.#closePromise;
  }

  /** A description without secrets. */
  toString(): string {
    return `MqttClient(${this.currentUrl}, clientId=${this.#options.clientId}, ${this.#state})`;
  }

  /** What `JSON.stringify` shows: no secrets. */
  toJSON(): Record<string, unknown> {
    return {
      url: this.currentUrl,
      clientId: this.#options.clientId,
      state: this.#state,
      stats: this.stats(),
    };
  }

  /** What `console.log` and `util.inspect` show: no secrets. */
  [inspect.custom](): string {
    return this.toString();
  }

  // ---------------------------------------------------------------- lifecycle

  async #start(): Promise<void> {
    this.#state = "starting";
    let tls: TlsMaterial | undefined;
    try {
      tls = this.#options.tls === undefined ? undefined : await loadTlsMaterial(this.#options.tls);
    } catch (error) {
      if (this.#state === "starting") this.#state = "idle";
      throw error;
    }
    if (this.#state !== "starting") return; // close() came first
    this.#tls = tls;
    if (tls?.rejectUnauthorized === false) {
      this.#log.warn(
        { url: this.currentUrl },
        "TLS server verification is OFF (tls.rejectUnauthorized: false): anyone on the path can impersonate the broker",
      );
    }
    this.#state = "connecting";
    this.#attemptConnection();
    if (this.#options.subscriptions.length > 0) {
      // Give the caller this turn to register onMessage; then remind them, once.
      setImmediate(() => this.#warnIfNoHandler());
    }
  }

  get #endpoint(): Endpoint {
    return this.#options.endpoints[this.#endpointIndex] ?? (this.#options.endpoints[0] as Endpoint);
  }

  /** A new mqtt.js client for `endpoint`, its events wired to this client while it is current. */
  #createMqttJs(endpoint: Endpoint): MqttJsClient {
    const client = mqttConnect({
      ...toMqttJsOptions(this.#options, this.#tls, endpoint),
      incomingStore: this.#incomingStore,
    });
    const current = (): boolean => client === this.#mqtt;
    const countAcks = this.#options.beforeAcks !== undefined || this.#options.writeHoldMs > 0;
    client.handleMessage = !countAcks
      ? (packet, done) => {
          this.#coalesceWrites(client);
          this.#intake.handleMessage(packet, done);
        }
      : (packet, done) => {
          this.#coalesceWrites(client);
          this.#intake.handleMessage(packet, (error) => {
            // mqtt.js writes the PUBACK inside `done`: into a corked socket, always (an async
            // handler may finish in a later turn), released only after `beforeAcks` ran.
            this.#coalesceWrites(client);
            this.#acksPending = true;
            done(error);
            this.#ackHeld();
          });
        };
    client.on("connect", (connack) => {
      if (current()) this.#onConnect(client, connack.sessionPresent === true);
    });
    client.on("close", () => {
      if (current()) this.#onClose();
    });
    client.on("error", (error) => {
      if (current()) this.#onError(error);
    });
    client.on("disconnect", (packet) => {
      if (!current()) return;
      this.#log.warn(
        {
          url: endpoint.redactedUrl,
          reasonCode: packet.reasonCode,
          reason: mqtt5ReasonName(packet.reasonCode ?? 0),
        },
        "broker sent DISCONNECT",
      );
    });
    return client;
  }

  /** Ends a dead or abandoned mqtt.js client for good (no listener, timer or socket left). */
  #retire(client: MqttJsClient | undefined): void {
    if (client === undefined) return;
    // Acknowledgements leave only after `beforeAcks`, and not after a hold's timer.
    this.#releaseBeforeEnd(client.stream as CorkableStream | undefined);
    if (this.#mqtt === client) this.#mqtt = undefined;
    const ended = endClient(client, false, Date.now() + 1000);
    this.#retiring.add(ended);
    void ended.then(() => this.#retiring.delete(ended));
  }

  #attemptConnection(): void {
    this.#retire(this.#mqtt);
    this.#attemptError = undefined;
    this.#streamError = undefined;
    this.#connectAttempts++;
    const endpoint = this.#endpoint;
    this.#log.debug(
      { url: endpoint.redactedUrl, clientId: this.#options.clientId, attempt: this.#attempt },
      "connecting",
    );
    try {
      const client = this.#createMqttJs(endpoint);
      this.#mqtt = client;
      client.connect();
      // mqtt.js forwards only socket errors that carry a `code`; keep the others (a WebSocket
      // upgrade answered with HTTP 404, say) to explain an attempt that closes without one.
      client.stream?.on("error", (error: Error) => {
        if (client === this.#mqtt) this.#streamError ??= error;
      });
    } catch (error) {
      // A stream builder that throws (it should not): treat it as a failed attempt.
      this.#onError(error);
      this.#retire(this.#mqtt);
      this.#scheduleReconnect();
    }
  }

  #onConnect(client: MqttJsClient, sessionPresent: boolean): void {
    if (this.#state === "closing" || this.#state === "closed") return;
    const reconnect = this.#everConnected;
    this.#everConnected = true;
    if (reconnect) this.#reconnects++;
    this.#attempt = 0;
    this.#round = 0;
    this.#triedInRound = 0;
    this.#attemptError = undefined;
    this.#state = "connected";
    const url = this.currentUrl;
    this.#log.info(
      { url, clientId: this.#options.clientId, sessionPresent, reconnect },
      "connected",
    );
    this.#subscribe(client);
    if (this.#options.statusTopic !== undefined) {
      client.publish(
        this.#options.statusTopic,
        STATUS_ONLINE,
        { qos: 1, retain: true },
        (error) => {
          if (error) this.#log.debug({ err: describe(error) }, "online status not confirmed");
        },
      );
    }
    this.#pump.setConnected(true, client.serverProperties?.receiveMaximum);
    this.#events.emit("connected", { sessionPresent, reconnect });
    if (this.#options.subscriptions.length === 0) this.#resolveConnectWaiters();
  }

  #resolveConnectWaiters(): void {
    if (this.#state !== "connected") return;
    this.#ready = true;
    const waiters = [...this.#connectWaiters];
    this.#connectWaiters.clear();
    for (const waiter of waiters) waiter.resolve();
  }

  #subscribe(client: MqttJsClient): void {
    const subscriptions = this.#options.subscriptions;
    if (subscriptions.length === 0) return;
    const map: ISubscriptionMap = {};
    for (const { filter, qos, noLocal } of subscriptions) {
      // MQTT 5: retained messages only for new subscriptions, not when the session survived;
      // No Local when asked. MQTT 3.1.1 has neither (the README says so).
      map[filter] =
        this.#options.protocolVersion === 5
          ? noLocal === true
            ? { qos, rh: 1, nl: true }
            : { qos, rh: 1 }
          : { qos };
    }
    client.subscribe(map, (error, _granted, packet) => {
      const granted = packet?.granted;
      if (granted === undefined) {
        if (error)
          this.#log.debug(
            { err: describe(error) },
            "subscribe not confirmed; retried on reconnect",
          );
        return;
      }
      const filters: string[] = [];
      const refused: string[] = [];
      granted.forEach((code, index) => {
        const subscription = subscriptions[index];
        if (subscription === undefined) return;
        const value = typeof code === "number" ? code : (code as { qos: number }).qos;
        (value >= 0x80 ? refused : filters).push(subscription.filter);
        if (value >= 0x80) {
          this.#emitError(
            new MqttAdapterError(
              "SUBSCRIBE_FAILED",
              `broker ${this.currentUrl} refused the subscription to ${JSON.stringify(subscription.filter)} (SUBACK code 0x${value.toString(16)}); check the broker's ACL for client ${JSON.stringify(this.#options.clientId)}`,
            ),
            "error",
          );
        } else if (value < subscription.qos) {
          this.#log.warn(
            { filter: subscription.filter, requestedQos: subscription.qos, grantedQos: value },
            "broker granted a lower QoS than requested",
          );
        }
      });
      this.#log.debug({ filters, refused }, "subscribed");
      this.#events.emit("subscribed", { filters, refused });
      this.#resolveConnectWaiters();
    });
  }

  #onClose(): void {
    if (this.#state !== "connecting" && this.#state !== "connected") return;
    const wasConnected = this.#state === "connected";
    if (!wasConnected && this.#attemptError === undefined) {
      this.#onError(this.#streamError ?? new ClosedBeforeConnackError());
    }
    this.#ready = false;
    this.#pump.setConnected(false);
    // The old client holds nothing worth keeping: the pump took its publishes back.
    this.#retire(this.#mqtt);
    if (wasConnected) {
      this.#log.warn({ url: this.currentUrl, err: this.#attemptError?.message }, "connection lost");
      this.#events.emit("offline", { error: this.#attemptError });
    }
    this.#scheduleReconnect();
  }

  #onError(raw: unknown): void {
    const connecting = this.#state === "connecting";
    const endpoint = this.#endpoint;
    const context: ConnectionContext = {
      redactedUrl: endpoint.redactedUrl,
      host: endpoint.host,
      protocolVersion: this.#options.protocolVersion,
      username: this.#options.username,
      connecting,
    };
    const error = classifyConnectionError(raw, context);
    if ((connecting || this.#state === "connected") && this.#attemptError === undefined) {
      // One error per attempt: a failed TLS handshake, for one, is reported twice by mqtt.js.
      this.#attemptError = error;
      this.#emitError(error, "warn");
    } else {
      this.#log.debug({ err: error.message, state: this.#state }, "further connection error");
    }
  }

  #scheduleReconnect(): void {
    if (this.#state === "closing" || this.#state === "closed" || this.#reconnectTimer) return;
    this.#state = "waiting";
    this.#attempt++;
    const error = this.#attemptError;
    // Failover: the next attempt goes to the next URL. The backoff applies once per round (every
    // URL tried once in a row), so a dead node costs one connect timeout, not a backoff wait;
    // with one URL every attempt is a round, as without failover.
    const count = this.#options.endpoints.length;
    this.#endpointIndex = (this.#endpointIndex + 1) % count;
    this.#triedInRound++;
    let delayMs = 0;
    if (this.#triedInRound >= count) {
      this.#triedInRound = 0;
      this.#round++;
      const bounds = {
        minDelayMs: this.#options.minDelayMs,
        maxDelayMs: this.#options.maxDelayMs,
      };
      const refused = error?.code === "AUTH_FAILED" || error?.code === "TLS_FAILED";
      delayMs = refused ? refusedDelayMs(bounds) : reconnectDelayMs(this.#round, bounds);
    }
    this.#log.debug(
      { attempt: this.#attempt, delayMs, code: error?.code, url: this.currentUrl },
      "reconnect scheduled",
    );
    this.#events.emit("reconnecting", { attempt: this.#attempt, delayMs, error });
    this.#reconnectTimer = setTimeout(() => {
      this.#reconnectTimer = undefined;
      if (this.#state !== "waiting") return;
      this.#state = "connecting";
      this.#attemptConnection();
    }, delayMs);
  }

  #whenConnected(timeoutMs: number | undefined): Promise<void> {
    if (this.#ready && this.#state === "connected") return Promise.resolve();
    if (this.#state === "closing" || this.#state === "closed") {
      return Promise.reject(new MqttAdapterError("CLOSED", "the client is closed"));
    }
    return new Promise((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const waiter = {
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
        reject: (error: Error) => {
          clearTimeout(timer);
          reject(error);
        },
      };
      this.#connectWaiters.add(waiter);
      if (timeoutMs !== undefined) {
        timer = setTimeout(() => {
          this.#connectWaiters.delete(waiter);
          const last = this.#attemptError ?? this.#lastError;
          reject(
            new MqttAdapterError(
              "NOT_CONNECTED",
              `not connected to ${this.#options.endpoints.map((e) => e.redactedUrl).join(", ")} within ${timeoutMs} ms${last ? ` (last error ${last.code}: ${last.message})` : ""}; the client keeps retrying until close()`,
              { cause: last },
            ),
          );
        }, timeoutMs);
      }
    });
  }

  async #close(): Promise<void> {
    const previous = this.#state;
    this.#state = "closing";
    clearTimeout(this.#reconnectTimer);
    this.#reconnectTimer = undefined;
    const closed = new MqttAdapterError("CLOSED", "the client was closed before it connected");
    for (const waiter of this.#connectWaiters) waiter.reject(closed);
    this.#connectWaiters.clear();
    const client = this.#mqtt;
    const deadline = Date.now() + this.#options.closeTimeoutMs;
    let graceful = previous === "connected";
    if (client !== undefined && graceful) {
      graceful = await withDeadline(this.#pump.whenIdle(), deadline);
      if (this.#options.statusTopic !== undefined) {
        const offline = new Promise<void>((resolve) => {
          client.publish(
            this.#options.statusTopic as string,
            STATUS_OFFLINE,
            { qos: 1, retain: true },
            () => resolve(),
          );
        });
        graceful = (await withDeadline(offline, deadline)) && graceful;
      }
    }
    this.#pump.close();
    if (client !== undefined) {
      // Acknowledgements leave only after `beforeAcks`, and not after a hold's timer.
      if (!this.#releaseBeforeEnd(client.stream as CorkableStream | undefined)) graceful = false;
      await endClient(client, graceful, deadline);
    }
    this.#mqtt = undefined;
    await Promise.all([...this.#retiring]);
    this.#state = "closed";
    this.#log.info(
      { url: this.currentUrl, clientId: this.#options.clientId, ...this.stats() },
      "closed",
    );
    this.#events.clear();
  }

  // ---------------------------------------------------------------- helpers

  #send(message: QueuedPublish, done: (error?: Error | null) => void): void {
    const client = this.#mqtt;
    if (client === undefined) {
      done(new Error("no connection"));
      return;
    }
    const options = PUBLISH_OPTIONS[message.qos]?.[message.retain ? 1 : 0];
    this.#coalesceWrites(client);
    client.publish(message.topic, message.payload, options ?? {}, done);
  }

  /**
   * Corks the socket for the rest of this turn of the event loop, or for `writeHoldMs` when set,
   * and uncorks it after that (in `setImmediate`: after the current I/O callbacks; or in the
   * hold's timer): the PUBACKs of the messages that arrived in one read, or during the hold, and
   * a batch of publishes, then leave in one write instead of one system call each. Meanwhile
   * mqtt-packet's small pieces are copied into one buffer (`write-gather.ts`), so that write is
   * one chunk rather than three iovecs per PUBACK. With `beforeAcks`, it runs right before the
   * uncork. A hold ends at the end of the turn in which `writeHoldMaxAcks` acknowledgements
   * wait ({@link #ackHeld}).
   */
  #coalesceWrites(client: MqttJsClient): void {
    const stream = client.stream as CorkableStream | undefined;
    if (
      stream === this.#corkedStream ||
      stream?.cork === undefined ||
      stream.uncork === undefined
    ) {
      return;
    }
    this.#corkedStream = stream;
    this.#acksHeld = 0;
    this.#releaseSoon = false;
    stream.cork();
    const gatherer = gathererOf(stream as unknown as GatherableStream);
    gatherer.active = true;
    let released = false;
    let holdTimer: NodeJS.Timeout | undefined;
    const release = (): boolean => {
      if (released) return true;
      released = true;
      if (holdTimer !== undefined) clearTimeout(holdTimer);
      if (this.#corkedStream === stream) {
        this.#corkedStream = undefined;
        this.#releaseCork = undefined;
      }
      gatherer.active = false;
      gatherer.flush();
      if (!this.#runBeforeAcks(stream)) return false;
      stream.uncork?.();
      return true;
    };
    this.#releaseCork = release;
    const holdMs = this.#options.writeHoldMs;
    if (holdMs === 0) setImmediate(release);
    else holdTimer = setTimeout(release, holdMs);
  }

  /** Counts an acknowledgement written into the corked socket; enough of them end a hold. */
  #ackHeld(): void {
    if (++this.#acksHeld < this.#options.writeHoldMaxAcks || this.#releaseSoon) return;
    const release = this.#releaseCork;
    if (release === undefined || this.#options.writeHoldMs === 0) return;
    this.#releaseSoon = true;
    setImmediate(release);
  }

  /**
   * Lets what `stream` holds go before it ends: uncorks it now if corked (after `beforeAcks`),
   * else only runs `beforeAcks` for acknowledgements still waiting. False when that threw.
   */
  #releaseBeforeEnd(stream: CorkableStream | undefined): boolean {
    const release = this.#releaseCork;
    if (stream !== undefined && stream === this.#corkedStream && release !== undefined) {
      return release();
    }
    return this.#runBeforeAcks(stream);
  }

  /**
   * Calls `beforeAcks` if messages were acknowledged since it last ran. True when the corked
   * acknowledgements may go; false when it threw: `stream` is then destroyed with what it holds
   * (nothing of it is sent) and the broker delivers those messages again after the reconnect.
   */
  #runBeforeAcks(stream: CorkableStream | undefined): boolean {
    const beforeAcks = this.#options.beforeAcks;
    if (!this.#acksPending || beforeAcks === undefined) return true;
    this.#acksPending = false;
    try {
      beforeAcks();
      return true;
    } catch (error) {
      stream?.destroy?.();
      const current = this.#mqtt?.stream as CorkableStream | undefined;
      if (current !== stream) current?.destroy?.();
      this.#emitError(
        new MqttAdapterError(
          "HANDLER_FAILED",
          `beforeAcks failed: ${describe(error)}; the connection was dropped without acknowledging this turn's messages, the broker delivers them again`,
          { cause: error },
        ),
        "error",
      );
      return false;
    }
  }

  #emitError(error: MqttAdapterError, level: "debug" | "warn" | "error"): void {
    this.#lastError = error;
    this.#log[level]({ code: error.code, err: error.message }, "mqtt adapter error");
    this.#events.emit("error", error);
  }

  #logRefused(topic: string, strikes: number): void {
    if (this.#refusedTopicsLogged.has(topic)) return;
    if (this.#refusedTopicsLogged.size >= MAX_REFUSED_TOPICS_LOGGED) return;
    this.#refusedTopicsLogged.add(topic);
    this.#log.error({ topic, strikes, url: this.currentUrl }, refusedText(topic));
  }

  #warnIfNoHandler(): void {
    if (this.#warnedNoHandler || this.#intake.hasHandler || this.#state === "closed") return;
    this.#warnedNoHandler = true;
    this.#log.warn(
      { subscriptions: this.#options.subscriptions.length },
      "subscriptions are set but no onMessage handler yet: incoming messages wait unacknowledged",
    );
  }
}

/** Marks a promise as handled (callers may ignore it) and returns it unchanged for awaiting. */
function handled<T>(promise: Promise<T>): Promise<T> {
  promise.catch(noop);
  return promise;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

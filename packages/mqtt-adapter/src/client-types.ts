import type { QoS } from "./client-options";
import type { MqttAdapterError } from "./errors";

/** What came with a message besides topic and payload. */
export interface MessageInfo {
  /** QoS the broker delivered it with. */
  qos: QoS;
  /** True when it is a retained message sent because of a (re)subscription. */
  retain: boolean;
  /** True when the broker says it may have sent it before: at-least-once redelivery. */
  dup: boolean;
  /** Packet identifier (QoS 1 and 2 only). */
  messageId: number | undefined;
  /** MQTT 5 properties, as mqtt.js decodes them (user properties, content type, ...). */
  properties: Record<string, unknown> | undefined;
}

/**
 * Receives every message of every subscription. `payload` is the buffer mqtt.js decoded, not a
 * copy: copy it if you keep it past the call and mutate it. Returning a promise delays the
 * acknowledgement and the reading of the next packet until it settles (backpressure).
 */
export type MessageHandler = (topic: string, payload: Buffer, info: MessageInfo) => HandlerResult;

/** Nothing (a synchronous handler) or a promise the acknowledgement waits for. */
// biome-ignore lint/suspicious/noConfusingVoidType: handlers return nothing or a promise
type HandlerResult = void | PromiseLike<unknown>;

/** Per-message publish options. */
export interface PublishOptions {
  /** Default 0. */
  qos?: QoS;
  /** Ask the broker to keep it as the topic's retained message. Default false. */
  retain?: boolean;
}

/** Options of `connect()`. */
export interface ConnectOptions {
  /**
   * Resolve at the first successful connection, once the broker also answered the
   * subscriptions (true, the default), or as soon as the first attempt started (false).
   */
  wait?: boolean;
  /**
   * With `wait`, reject with `NOT_CONNECTED` (cause: the last connection error) when not
   * connected after this many ms; the client keeps retrying until `close()`. Default: no limit.
   */
  timeoutMs?: number;
}

/** Counters since the client was created (plus the current queue), all plain numbers. */
export interface MqttClientStats {
  /** Messages handed to the message handler. */
  received: number;
  /** Handler calls that threw or rejected (the messages were still acknowledged). */
  handlerErrors: number;
  /**
   * Times the rest of a socket read was left for a later turn of the event loop because the
   * turn's handlers had taken `turnBudgetMs`.
   */
  intakeYields: number;
  /** Publishes confirmed: QoS 0 written to the socket, QoS 1/2 acknowledged by the broker. */
  published: number;
  /** Publishes refused by a full queue or discarded by `close()` before they were sent. */
  dropped: number;
  /** Publishes the broker rejected, or that were in flight, unconfirmed, when they were given up. */
  failed: number;
  /**
   * QoS 1/2 publishes dropped as `REFUSED`: the broker closed the connection each time one was
   * sent alone, three times (a "poison" message, e.g. a topic NATS does not accept).
   */
  refused: number;
  /** Messages waiting in the publish queue now. */
  queued: number;
  /** Bytes (payload + topic) waiting in the publish queue now. */
  queuedBytes: number;
  /** Publishes handed to mqtt.js and not yet confirmed now. */
  inFlight: number;
  /** Connection attempts made (successful or not). */
  connectAttempts: number;
  /** Successful connections after the first one. */
  reconnects: number;
}

/** Payload of `connected`. */
export interface ConnectedEvent {
  /** The broker resumed a stored session (queued QoS 1/2 messages follow). */
  sessionPresent: boolean;
  /** False for the first connection, true for every later one. */
  reconnect: boolean;
}

/** Payload of `subscribed`: the broker answered the (re)subscription of a connection. */
export interface SubscribedEvent {
  /** Filters the broker accepted. */
  filters: string[];
  /** Filters the broker refused (each also reported as a `SUBSCRIBE_FAILED` error). */
  refused: string[];
}

/** Payload of `offline`: an established connection was lost. */
export interface OfflineEvent {
  /** Why, when known (the same error was emitted as `error`). */
  error: MqttAdapterError | undefined;
}

/** Payload of `reconnecting`: the next attempt is scheduled. */
export interface ReconnectingEvent {
  /** 1 for the first retry after a failure or a loss, counting up until a connection succeeds. */
  attempt: number;
  /** Wait before that attempt, in ms. */
  delayMs: number;
  /** The error that ended the previous attempt or connection, when known. */
  error: MqttAdapterError | undefined;
}

/** Payload of `publishDropped`: a message that will not be (or was not confirmed) published. */
export interface PublishDroppedEvent {
  topic: string;
  /** Payload + topic bytes. */
  bytes: number;
  /**
   * `QUEUE_FULL`: refused by `publish()`; `CLOSED`: discarded by `close()` before it was sent
   * (both counted as `dropped`); `PUBLISH_FAILED`: rejected by the broker or unconfirmed at
   * `close()` (counted as `failed`); `REFUSED`: the broker closed the connection every time
   * this QoS 1/2 message was sent alone, three times (counted as `refused`).
   */
  reason: "QUEUE_FULL" | "CLOSED" | "PUBLISH_FAILED" | "REFUSED";
  /** Details for `PUBLISH_FAILED` and `REFUSED` (code `PUBLISH_FAILED`). */
  error: MqttAdapterError | undefined;
}

/** Every event of the client and its payload type. */
export interface MqttClientEvents {
  /** A CONNACK accepted the connection; subscriptions are being (re)sent. */
  connected: ConnectedEvent;
  /** The broker answered the subscriptions sent after a CONNACK (every connection). */
  subscribed: SubscribedEvent;
  /** The connection was lost; the client will reconnect. */
  offline: OfflineEvent;
  /** An attempt failed or a connection was lost; the next attempt waits `delayMs`. */
  reconnecting: ReconnectingEvent;
  /** Something went wrong; the client keeps running. See the README's error table. */
  error: MqttAdapterError;
  /** A publish was given up; counted in `dropped` or `failed`. */
  publishDropped: PublishDroppedEvent;
  /** The publish queue emptied after `publish()` had refused messages: publishing may resume. */
  drain: undefined;
}

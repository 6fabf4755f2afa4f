/**
 * Codes of {@link MqttAdapterError}. They are stable: switch on them, not on messages.
 *
 * Thrown synchronously (programming or configuration errors): `INVALID_TOPIC`,
 * `INVALID_TOPIC_FILTER`, `INVALID_TEMPLATE`, `INVALID_URL`, `INVALID_OPTIONS`.
 * Rejected promises: `CLOSED`, `NOT_CONNECTED`, `BROKER_START_FAILED`, `PORT_IN_USE`.
 * Emitted as `error` events while the client keeps running: `AUTH_FAILED`, `TLS_FAILED`,
 * `CONNECTION_FAILED`, `SUBSCRIBE_FAILED`, `PUBLISH_FAILED`, `HANDLER_FAILED`.
 * `QUEUE_FULL` and `CLOSED` are also the reasons of `publishDropped` events.
 */
export type MqttAdapterErrorCode =
  | "INVALID_TOPIC"
  | "INVALID_TOPIC_FILTER"
  | "INVALID_TEMPLATE"
  | "INVALID_URL"
  | "INVALID_OPTIONS"
  | "NOT_CONNECTED"
  | "CLOSED"
  | "AUTH_FAILED"
  | "TLS_FAILED"
  | "CONNECTION_FAILED"
  | "SUBSCRIBE_FAILED"
  | "PUBLISH_FAILED"
  | "HANDLER_FAILED"
  | "QUEUE_FULL"
  | "BROKER_START_FAILED"
  | "PORT_IN_USE";

/** The one error class of `@coreflux/mqtt-adapter`, with a stable `code` and an optional `cause`. */
export class MqttAdapterError extends Error {
  /** Stable, documented reason; switch on this, not on the message. */
  readonly code: MqttAdapterErrorCode;

  constructor(code: MqttAdapterErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "MqttAdapterError";
    this.code = code;
  }
}

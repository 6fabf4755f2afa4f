/** Codes of {@link MqttAdapterError}. */
export type MqttAdapterErrorCode = "INVALID_TOPIC" | "INVALID_TOPIC_FILTER" | "INVALID_TEMPLATE";

/** The one error class thrown by `@coreflux/mqtt-adapter`, with a stable `code`. */
export class MqttAdapterError extends Error {
  /** Stable, documented reason; switch on this, not on the message. */
  readonly code: MqttAdapterErrorCode;

  constructor(code: MqttAdapterErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "MqttAdapterError";
    this.code = code;
  }
}

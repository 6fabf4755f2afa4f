/** Closed set of codes of {@link ShellySimulatorError}. */
export type ShellySimulatorErrorCode =
  /** An option is missing, of the wrong type or out of range (the message names it). */
  | "INVALID_OPTIONS"
  /** A fleet was used after `shutdown()`. */
  | "FLEET_CLOSED"
  /** The MQTT broker could not be reached or refused the connection. */
  | "CONNECT_FAILED"
  /** A publish failed or the connection was lost during a run. */
  | "PUBLISH_FAILED"
  /** The truth or placements file could not be written. */
  | "WRITE_FAILED";

/** The one error class this package throws, for broken contracts and failed I/O. */
export class ShellySimulatorError extends Error {
  override readonly name = "ShellySimulatorError";

  constructor(
    readonly code: ShellySimulatorErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

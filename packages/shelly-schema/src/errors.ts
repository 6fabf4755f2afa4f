/**
 * Codes of {@link ShellySchemaError}: thrown only when a caller breaks the API contract
 * (for example passes an invalid option). Untrusted messages never throw; they come back as a
 * typed parse result instead.
 */
export type ShellySchemaErrorCode = "INVALID_OPTIONS";

/** The one error class thrown by `@coreflux/shelly-schema`, with a stable `code`. */
export class ShellySchemaError extends Error {
  /** Stable, documented reason; switch on this, not on the message. */
  readonly code: ShellySchemaErrorCode;

  constructor(code: ShellySchemaErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "ShellySchemaError";
    this.code = code;
  }
}

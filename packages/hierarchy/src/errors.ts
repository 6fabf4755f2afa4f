/**
 * Codes of {@link HierarchyError}: a caller broke an invariant of the engine's API
 * (for example passed a non-finite timestamp). Untrusted input such as a snapshot never
 * throws; it comes back as a typed result instead.
 */
export type HierarchyErrorCode = "INVALID_ARGUMENT" | "INVALID_OPTIONS";

/** The one error class thrown by `@coreflux/hierarchy`, with a stable `code`. */
export class HierarchyError extends Error {
  /** Stable, documented reason; switch on this, not on the message. */
  readonly code: HierarchyErrorCode;

  constructor(code: HierarchyErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "HierarchyError";
    this.code = code;
  }
}

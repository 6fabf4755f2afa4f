/** Why the automation engine refused something. */
export type AutomationErrorCode =
  /** A rule is malformed: a window that is not `HH:MM-HH:MM`, an unknown day or zone, a bad glob. */
  | "INVALID_RULE"
  /** An option or an input is out of range (a negative timeout, a channel that is not an integer). */
  | "INVALID_ARGUMENT"
  /** A snapshot passed to `restore` is not one this version wrote. */
  | "INVALID_SNAPSHOT";

/** The one error type of `@coreflux/automation`. */
export class AutomationError extends Error {
  override readonly name = "AutomationError";

  constructor(
    readonly code: AutomationErrorCode,
    message: string,
  ) {
    super(message);
  }
}

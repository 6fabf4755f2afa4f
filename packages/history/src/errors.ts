/** Why a history operation failed. */
export type HistoryErrorCode =
  /** The `url` is not `sqlite:<file>` or `mariadb://user@host:port/database`. */
  | "INVALID_URL"
  /** An argument is out of range (a period width, a time zone, a date range). */
  | "INVALID_ARGUMENT"
  /** The driver of the URL's engine (`better-sqlite3`, `mariadb`) is not installed. */
  | "DRIVER_MISSING"
  /** The database cannot be opened or reached. */
  | "CONNECT_FAILED"
  /** The database was migrated by a newer version of this package: never downgraded. */
  | "SCHEMA_TOO_NEW"
  /** The database was created for another company, period width or time zone. */
  | "SETTINGS_MISMATCH"
  /** A statement failed (the database went away, a disk is full, ...). */
  | "QUERY_FAILED"
  /** The store was closed. */
  | "CLOSED";

/** The one error type of `@coreflux/history`: `code` says what went wrong, `message` says what to do. */
export class HistoryError extends Error {
  override readonly name = "HistoryError";

  constructor(
    readonly code: HistoryErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Wraps a driver error as a {@link HistoryError} `QUERY_FAILED` (or returns a HistoryError unchanged). */
export function queryFailed(what: string, error: unknown): HistoryError {
  if (error instanceof HistoryError) return error;
  const reason = error instanceof Error ? error.message : String(error);
  return new HistoryError("QUERY_FAILED", `${what}: ${reason}`, { cause: error });
}

/** Why a query could not be expanded the way Grafana would. */
export type GrafanaQueryErrorCode =
  /** A `$__name(...)` that Grafana's MySQL datasource does not know. */
  | "UNKNOWN_MACRO"
  /** A macro without the column or interval it needs. */
  | "MISSING_ARGUMENT"
  /** A `$__timeGroup` interval or fill value Grafana cannot parse. */
  | "BAD_ARGUMENT"
  /** A query Grafana refuses (`SHOW GRANTS`, `user()`, `current_user`, ...). */
  | "RESTRICTED_QUERY"
  /** A `${var:format}` this expander does not implement. */
  | "UNSUPPORTED_FORMAT";

/** The one error this package throws: a query Grafana would reject, with a closed `code`. */
export class GrafanaQueryError extends Error {
  override readonly name = "GrafanaQueryError";
  constructor(
    readonly code: GrafanaQueryErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

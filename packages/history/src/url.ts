import { HistoryError } from "./errors";

/** Where the history lives, parsed from its URL. */
export type HistoryLocation =
  | {
      engine: "sqlite";
      /** The database file (relative paths are relative to the working directory). */
      file: string;
    }
  | {
      engine: "mariadb";
      host: string;
      port: number;
      user: string;
      /** From the URL; a `password` option of {@link openHistory} wins. */
      password: string | undefined;
      database: string;
    };

/**
 * Parses `sqlite:<file>` (`sqlite:./history.db`, `sqlite:/var/lib/coreflux/history.db`) or
 * `mariadb://user[:password]@host[:port]/database` (`mysql://` is accepted too). Throws
 * {@link HistoryError} `INVALID_URL` with what is wrong.
 */
export function parseHistoryUrl(url: string): HistoryLocation {
  if (url.startsWith("sqlite:")) {
    let file = url.slice("sqlite:".length);
    if (file.startsWith("//")) file = file.slice(2); // sqlite:///abs/path → /abs/path
    if (file.length === 0) {
      throw new HistoryError(
        "INVALID_URL",
        `"${url}": the SQLite URL names no file (sqlite:./history.db)`,
      );
    }
    return { engine: "sqlite", file };
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new HistoryError(
      "INVALID_URL",
      `"${redactHistoryUrl(url)}" is not a URL: use sqlite:<file> or mariadb://user@host:3306/database`,
    );
  }
  if (parsed.protocol !== "mariadb:" && parsed.protocol !== "mysql:") {
    throw new HistoryError(
      "INVALID_URL",
      `unknown database "${parsed.protocol.slice(0, -1)}": use sqlite:<file> or mariadb://user@host:3306/database`,
    );
  }
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, ""));
  if (database.length === 0 || database.includes("/")) {
    throw new HistoryError(
      "INVALID_URL",
      `"${redactHistoryUrl(url)}" names no database: mariadb://user@host:3306/<database>`,
    );
  }
  if (parsed.username.length === 0) {
    throw new HistoryError(
      "INVALID_URL",
      `"${redactHistoryUrl(url)}" names no user: mariadb://<user>@host:3306/database`,
    );
  }
  return {
    engine: "mariadb",
    host: parsed.hostname.replace(/^\[|\]$/g, "") || "127.0.0.1",
    port: parsed.port ? Number(parsed.port) : 3306,
    user: decodeURIComponent(parsed.username),
    password: parsed.password ? decodeURIComponent(parsed.password) : undefined,
    database,
  };
}

/** The URL with its password replaced by `***`, for logs and errors. */
export function redactHistoryUrl(url: string): string {
  return url.replace(/^([a-z]+:\/\/[^:/@]+):[^@]*@/i, "$1:***@");
}

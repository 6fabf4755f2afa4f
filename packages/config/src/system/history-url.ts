/**
 * True for a history database URL: `sqlite:<file>` (`sqlite:///abs/path` too) or
 * `mariadb://` / `mysql://` with a user and a database. The same rule as the history package's
 * URL parser, written here because packages never import each other.
 */
export function isHistoryUrl(url: string): boolean {
  if (url.startsWith("sqlite:")) {
    const file = url.slice("sqlite:".length);
    return (file.startsWith("//") ? file.slice(2) : file).length > 0;
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  if (parsed.protocol !== "mariadb:" && parsed.protocol !== "mysql:") return false;
  let database: string;
  try {
    database = decodeURIComponent(parsed.pathname.replace(/^\//, ""));
  } catch {
    return false;
  }
  return database.length > 0 && !database.includes("/") && parsed.username.length > 0;
}

/**
 * Removes secrets from a broker URL so it can be logged or put in an error message: the
 * password becomes `***` and a query string (some WebSocket gateways take tokens there)
 * becomes `?***`. A string that does not parse as a URL keeps only its scheme and whatever
 * follows the last `@`, so a mistyped `mqtt://user:p@ss@host` never leaks either.
 */
export function redactUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return redactUnparsable(url);
  }
  const userInfo =
    parsed.username !== "" || parsed.password !== ""
      ? `${parsed.username}${parsed.password !== "" ? ":***" : ""}@`
      : "";
  const path = parsed.pathname === "/" && !url.endsWith("/") ? "" : parsed.pathname;
  const query = parsed.search !== "" ? "?***" : "";
  return `${parsed.protocol}//${userInfo}${parsed.host}${path}${query}`;
}

function redactUnparsable(url: string): string {
  const at = url.lastIndexOf("@");
  if (at === -1) return redactQuery(url);
  const schemeEnd = url.indexOf("://");
  const scheme = schemeEnd === -1 || schemeEnd > at ? "" : url.slice(0, schemeEnd + 3);
  return `${scheme}***@${redactQuery(url.slice(at + 1))}`;
}

function redactQuery(text: string): string {
  const queryStart = text.indexOf("?");
  return queryStart === -1 ? text : `${text.slice(0, queryStart)}?***`;
}

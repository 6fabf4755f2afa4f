import { timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";

/** The cookie the login form sets. */
export const TOKEN_COOKIE = "coreflux_token";

/** True when `request` carries `token` as a Bearer header or the login cookie. */
export function authorised(request: IncomingMessage, token: string): boolean {
  const header = request.headers.authorization;
  if (header?.startsWith("Bearer ") && same(header.slice(7), token)) return true;
  for (const part of (request.headers.cookie ?? "").split(";")) {
    const [name, ...value] = part.trim().split("=");
    if (name === TOKEN_COOKIE && same(decodeURIComponent(value.join("=")), token)) return true;
  }
  return false;
}

/** True when `candidate` is `token` (compared in constant time). */
export function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** The login page: a form, no script. */
export function loginPage(
  response: ServerResponse,
  failed: boolean,
  headers: Record<string, string>,
): void {
  const body = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>Coreflux energy: sign in</title></head>
<body><main><h1>Coreflux energy</h1>
${failed ? '<p role="alert">That token is not right.</p>' : ""}
<form method="post" action="/login"><label for="token">Access token ([http] token)</label>
<input id="token" name="token" type="password" autocomplete="current-password" required autofocus>
<button type="submit">Sign in</button></form></main></body></html>
`;
  response
    .writeHead(failed ? 401 : 200, { ...headers, "content-type": "text/html; charset=utf-8" })
    .end(body);
}

/** Reads a small form-urlencoded body (at most 4 KiB); undefined when larger. */
export async function readForm(request: IncomingMessage): Promise<URLSearchParams | undefined> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > 4096) return undefined;
    chunks.push(chunk as Buffer);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString("utf8"));
}

/** Sets the login cookie (HttpOnly, SameSite=Strict) and sends the browser to the view. */
export function signIn(response: ServerResponse, token: string, secure: boolean): void {
  response
    .writeHead(303, {
      location: "/",
      "set-cookie": `${TOKEN_COOKIE}=${encodeURIComponent(token)}; HttpOnly; SameSite=Strict; Path=/${secure ? "; Secure" : ""}`,
    })
    .end();
}

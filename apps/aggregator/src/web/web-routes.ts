import type { IncomingMessage, ServerResponse } from "node:http";
import { HistoryError } from "@coreflux/history";
import { BadRequest } from "./api-history";
import type { ApiNodes } from "./api-nodes";
import { authorised, loginPage, readForm, same, signIn } from "./auth";
import type { EventStream } from "./event-stream";
import type { StaticFile } from "./static-files";

/** What the web view's routes need from the service. */
export interface WebContext {
  /** `[http] token`: required for `/` and `/api/*` when set. */
  token: string | undefined;
  files: ReadonlyMap<string, StaticFile>;
  nodes(): ApiNodes;
  /** The rows of `/api/history`; undefined without `[history]`. */
  history: ((query: URLSearchParams) => Promise<object>) | undefined;
  events: EventStream;
}

/** Sent with every page and API answer: no inline code, no framing, no sniffing. */
export const SECURITY_HEADERS: Record<string, string> = {
  "content-security-policy":
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "x-frame-options": "DENY",
};

function json(response: ServerResponse, status: number, body: unknown): void {
  response
    .writeHead(status, {
      ...SECURITY_HEADERS,
      "content-type": "application/json",
      "cache-control": "no-store",
    })
    .end(JSON.stringify(body));
}

/**
 * Handles `/`, its assets, `/login` and `/api/*` (read-only: GET and HEAD, and the login form's
 * POST). Returns false for paths it does not know.
 */
export async function handleWeb(
  web: WebContext,
  request: IncomingMessage,
  response: ServerResponse,
  path: string,
  query: URLSearchParams,
): Promise<boolean> {
  const isApi = path.startsWith("/api/");
  if (path === "/login") {
    if (web.token === undefined) {
      response.writeHead(303, { location: "/" }).end();
    } else if (request.method === "POST") {
      const form = await readForm(request);
      const token = form?.get("token");
      if (typeof token === "string" && same(token, web.token)) {
        signIn(response, token, (request.socket as { encrypted?: boolean }).encrypted === true);
      } else {
        loginPage(response, true, SECURITY_HEADERS);
      }
    } else {
      loginPage(response, false, SECURITY_HEADERS);
    }
    return true;
  }
  if (!isApi && !web.files.has(path)) return false;
  if (request.method !== "GET" && request.method !== "HEAD") {
    response.writeHead(405, { allow: "GET, HEAD" }).end();
    return true;
  }
  if (web.token !== undefined && !authorised(request, web.token)) {
    if (isApi)
      json(response, 401, {
        error: "a token is required: Authorization: Bearer <[http] token>, or sign in at /login",
      });
    else response.writeHead(303, { location: "/login" }).end();
    return true;
  }
  if (isApi) {
    await api(web, response, path, query);
    return true;
  }
  const file = web.files.get(path)!;
  response
    .writeHead(200, {
      ...SECURITY_HEADERS,
      "content-type": file.type,
      "cache-control": file.immutable ? "public, max-age=31536000, immutable" : "no-cache",
    })
    .end(request.method === "HEAD" ? undefined : file.body);
  return true;
}

async function api(
  web: WebContext,
  response: ServerResponse,
  path: string,
  query: URLSearchParams,
): Promise<void> {
  if (path === "/api/nodes") {
    if ([...query.keys()].length > 0)
      return json(response, 400, { error: "/api/nodes takes no parameters" });
    return json(response, 200, web.nodes());
  }
  if (path === "/api/history") {
    if (web.history === undefined)
      return json(response, 404, { error: "history is off: add [history] to config.toml" });
    try {
      return json(response, 200, await web.history(query));
    } catch (error) {
      if (error instanceof BadRequest) return json(response, 400, { error: error.message });
      if (error instanceof HistoryError)
        return json(response, 503, {
          error: `the history database is unavailable (${error.code})`,
        });
      throw error;
    }
  }
  if (path === "/api/events") {
    const nodes = web.nodes();
    if (
      !web.events.open(response, [
        { event: "status", data: { brokerConnected: nodes.brokerConnected } },
        { event: "nodes", data: nodes },
      ])
    ) {
      json(response, 503, { error: "too many event streams open" });
    }
    return;
  }
  json(response, 404, { error: "unknown API path: /api/nodes, /api/history, /api/events" });
}

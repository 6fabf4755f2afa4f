/**
 * The live connection: `EventSource("/api/events")`, its `nodes` and `status` events, and the
 * connection state for the banner. The browser reconnects by itself after a dropped stream; when
 * the server refused the stream (the source is closed: a 401, a 5xx), this module checks whether a
 * login is needed and opens a new source after a growing delay.
 */
import {
  ApiError,
  type ApiNodes,
  fetchNodes,
  isApiNodes,
  parseJson,
  type StatusEvent,
} from "./api";

/** `open`: events arrive; `reconnecting`: the stream dropped and is being retried. */
export type ConnectionState = "connecting" | "open" | "reconnecting";

/** What the page does with the stream. */
export interface LiveHandlers {
  nodes(doc: ApiNodes): void;
  status(status: StatusEvent): void;
  connection(state: ConnectionState): void;
}

/** The stream's URL (same origin). */
export const EVENTS_URL = "/api/events";

/** The first and the longest wait before a closed source is opened again, ms. */
export const RETRY_MIN_MS = 2_000;
export const RETRY_MAX_MS = 30_000;

/** Opens the stream; `close()` ends it for good. */
export function connectLive(handlers: LiveHandlers): { close(): void } {
  let source: EventSource | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let retryMs = RETRY_MIN_MS;
  let closed = false;

  const open = () => {
    if (closed) return;
    const es = new EventSource(EVENTS_URL);
    source = es;
    es.addEventListener("open", () => {
      retryMs = RETRY_MIN_MS;
      handlers.connection("open");
    });
    es.addEventListener("nodes", (e) => {
      const doc = parseJson((e as MessageEvent<string>).data);
      if (isApiNodes(doc)) handlers.nodes(doc);
    });
    es.addEventListener("status", (e) => {
      const doc = parseJson((e as MessageEvent<string>).data);
      if (typeof doc === "object" && doc !== null && "brokerConnected" in doc) {
        const b = (doc as { brokerConnected: unknown }).brokerConnected;
        if (typeof b === "boolean") handlers.status({ brokerConnected: b });
      }
    });
    es.addEventListener("error", () => {
      handlers.connection("reconnecting");
      if (es.readyState !== EventSource.CLOSED) return; // the browser retries by itself
      es.close();
      // Refused for good: a 401 means the login form (fetchNodes redirects); else try again later.
      fetchNodes()
        .then(handlers.nodes)
        .catch((error: unknown) => {
          if (error instanceof ApiError && error.status === 401) closed = true;
        })
        .finally(() => {
          if (closed) return;
          timer = setTimeout(open, retryMs);
          retryMs = Math.min(retryMs * 2, RETRY_MAX_MS);
        });
    });
  };

  handlers.connection("connecting");
  open();
  return {
    close() {
      closed = true;
      if (timer !== undefined) clearTimeout(timer);
      source?.close();
    },
  };
}

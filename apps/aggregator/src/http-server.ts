import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Metrics } from "./metrics";
import { handleWeb, type WebContext } from "./web/web-routes";

/** What /healthz reports. */
export interface Health {
  /** `ok` while the service runs; `degraded` while the broker is unreachable. */
  status: "ok" | "degraded";
  brokerConnected: boolean;
  lastPublishUnixTimestamp: number | null;
  devices: number;
  meters: number;
  /** MQTT messages received so far (all topics, the aggregator's own output included). */
  messagesReceived: number;
  /** Of those, the aggregator's own published aggregates coming back. */
  ownOutputReceived: number;
}

/**
 * The optional HTTP listener: `GET /healthz` (JSON, 200 when ok, 503 when degraded) and
 * `GET /metrics` (Prometheus text). Binds to 127.0.0.1 unless configured otherwise.
 */
export async function startHttpServer(options: {
  host: string;
  port: number;
  metrics: Metrics;
  health: () => Health;
  /** The web view and its API; undefined: /healthz and /metrics only. */
  web?: WebContext | undefined;
}): Promise<{ server: Server; url: string; close(): Promise<void> }> {
  const server = createServer((request, response) => {
    let url: URL;
    try {
      url = new URL(request.url ?? "/", "http://localhost");
      decodeURIComponent(url.pathname);
    } catch {
      response.writeHead(400, { "content-type": "text/plain" }).end("bad request\n");
      return;
    }
    const path = url.pathname;
    if (options.web !== undefined && path !== "/healthz" && path !== "/metrics") {
      handleWeb(options.web, request, response, path, url.searchParams).then(
        (handled) => {
          if (!handled) {
            response
              .writeHead(404, { "content-type": "text/plain" })
              .end("not found: try /, /healthz or /metrics\n");
          }
        },
        (error: unknown) => {
          if (!response.headersSent) response.writeHead(500, { "content-type": "text/plain" });
          response.end(`internal error: ${String(error)}\n`);
        },
      );
      return;
    }
    if (request.method !== "GET" && request.method !== "HEAD") {
      response.writeHead(405, { allow: "GET, HEAD" }).end();
      return;
    }
    if (path === "/healthz") {
      const health = options.health();
      response
        .writeHead(health.status === "ok" ? 200 : 503, { "content-type": "application/json" })
        .end(JSON.stringify(health));
      return;
    }
    if (path === "/metrics") {
      options.metrics.registry.metrics().then(
        (text) =>
          response
            .writeHead(200, { "content-type": options.metrics.registry.contentType })
            .end(text),
        (error: unknown) => response.writeHead(500).end(String(error)),
      );
      return;
    }
    response
      .writeHead(404, { "content-type": "text/plain" })
      .end("not found: try /healthz or /metrics\n");
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
  return {
    server,
    url: `http://${host}:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { Registry } from "prom-client";

/** `GET /healthz` (200 ok, 503 degraded) and `GET /metrics`, on `host`:`port`. */
export async function startHttpListener(options: {
  host: string;
  port: number;
  registry: Registry;
  health: () => { status: "ok" | "degraded" } & Record<string, unknown>;
}): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer((request, response) => {
    const path = (request.url ?? "/").split("?")[0];
    if (path === "/healthz") {
      const health = options.health();
      response
        .writeHead(health.status === "ok" ? 200 : 503, { "content-type": "application/json" })
        .end(JSON.stringify(health));
    } else if (path === "/metrics") {
      options.registry.metrics().then(
        (text) =>
          response.writeHead(200, { "content-type": options.registry.contentType }).end(text),
        (error: unknown) => response.writeHead(500).end(String(error)),
      );
    } else {
      response.writeHead(404).end("not found: try /healthz or /metrics\n");
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  return {
    url: `http://${address.address}:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

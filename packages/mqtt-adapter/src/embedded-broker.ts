import { createServer as createHttpServer, type Server as HttpServer } from "node:http";
import { type AddressInfo, createServer, type Server, type Socket } from "node:net";
import type { Duplex } from "node:stream";
import { MqttAdapterError } from "./errors";
import { type Logger, silentLogger } from "./logger";

/** Options of {@link startEmbeddedBroker}. */
export interface EmbeddedBrokerOptions {
  /** Interface to listen on. Default `127.0.0.1` (not reachable from other machines). */
  host?: string;
  /** TCP port for `mqtt://`; 0 (the default) lets the OS pick a free one. */
  port?: number;
  /** Port for a `ws://` listener (0 picks a free one); no WebSocket listener when omitted. */
  wsPort?: number;
  /** Structured logger (pino fits). Default: silent. */
  logger?: Logger;
}

/** A running embedded broker. */
export interface EmbeddedBroker {
  /** `mqtt://host:port`, ready for `createMqttClient({ url })`. */
  readonly url: string;
  /** The interface it listens on. */
  readonly host: string;
  /** The TCP port it listens on (the one picked when 0 was asked for). */
  readonly port: number;
  /** `ws://host:wsPort/` when a WebSocket listener was asked for. */
  readonly wsUrl: string | undefined;
  /** The WebSocket port, when asked for. */
  readonly wsPort: number | undefined;
  /** Clients connected right now (MQTT sessions, over either listener). */
  connectedClients(): number;
  /** Disconnects every client, closes every listener and socket. Idempotent. */
  close(): Promise<void>;
}

function checkPort(value: unknown, name: string): void {
  if (value === undefined) return;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0 || value > 65_535) {
    throw new MqttAdapterError("INVALID_OPTIONS", `${name} must be an integer from 0 to 65535`);
  }
}

function urlHost(host: string): string {
  return host.includes(":") ? `[${host}]` : host;
}

function listen(
  server: Server | HttpServer,
  port: number,
  host: string,
  what: string,
): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException): void => {
      server.removeListener("listening", onListening);
      if (error.code === "EADDRINUSE") {
        reject(
          new MqttAdapterError(
            "PORT_IN_USE",
            `${what} port ${port} on ${host} is already in use; stop the process holding it, choose another port, or pass 0 to let the system pick a free one`,
            { cause: error },
          ),
        );
      } else {
        reject(
          new MqttAdapterError(
            "BROKER_START_FAILED",
            `${what} listener on ${host}:${port} failed: ${error.message} (${error.code ?? "no code"}); check the host and your permission to bind the port`,
            { cause: error },
          ),
        );
      }
    };
    const onListening = (): void => {
      server.removeListener("error", onError);
      resolve((server.address() as AddressInfo).port);
    };
    server.once("error", onError);
    server.once("listening", onListening);
    server.listen(port, host);
  });
}

function closeServer(server: Server | HttpServer | undefined): Promise<void> {
  if (server === undefined || !server.listening) return Promise.resolve();
  return new Promise((resolve) => server.close(() => resolve()));
}

/**
 * Starts an in-process MQTT 3.1.1 broker (aedes, in-memory sessions and retained messages) on
 * `mqtt://host:port`, and optionally on `ws://host:wsPort/`: the no-infrastructure default and
 * the broker of the tests. A port in use rejects with `PORT_IN_USE` saying which port.
 * Everything it holds is lost when the process ends.
 */
export function startEmbeddedBroker(options: EmbeddedBrokerOptions = {}): Promise<EmbeddedBroker> {
  if (typeof options !== "object" || options === null) {
    throw new MqttAdapterError("INVALID_OPTIONS", "options must be an object");
  }
  const host = options.host ?? "127.0.0.1";
  if (typeof host !== "string" || host.length === 0) {
    throw new MqttAdapterError("INVALID_OPTIONS", "host must be a non-empty string");
  }
  checkPort(options.port, "port");
  checkPort(options.wsPort, "wsPort");
  return start(host, options.port ?? 0, options.wsPort, options.logger ?? silentLogger);
}

async function start(
  host: string,
  port: number,
  wsPort: number | undefined,
  log: Logger,
): Promise<EmbeddedBroker> {
  let broker: import("aedes").Aedes;
  try {
    const { Aedes } = await import("aedes");
    // Client ids up to 256 characters: aedes' 23-character default only binds MQTT 3.1 anyway.
    broker = await Aedes.createBroker({ maxClientsIdLength: 256 });
  } catch (cause) {
    throw new MqttAdapterError("BROKER_START_FAILED", `aedes could not start: ${String(cause)}`, {
      cause,
    });
  }
  broker.on("clientError", (client, error) =>
    log.debug({ clientId: client.id, err: error.message }, "embedded broker: client error"),
  );
  const streams = new Set<Socket | Duplex>();
  const track = (stream: Socket | Duplex): void => {
    streams.add(stream);
    stream.once("close", () => streams.delete(stream));
  };
  const tcp = createServer((socket) => {
    track(socket);
    broker.handle(socket);
  });
  tcp.on("error", (error) => log.error({ err: error.message }, "embedded broker: listener error"));
  let http: HttpServer | undefined;
  let wss: import("ws").WebSocketServer | undefined;
  const closeAll = async (): Promise<void> => {
    await new Promise<void>((resolve) => broker.close(() => resolve()));
    for (const client of wss?.clients ?? []) client.terminate();
    for (const stream of streams) stream.destroy();
    http?.closeAllConnections();
    await new Promise<void>((resolve) => (wss ? wss.close(() => resolve()) : resolve()));
    await Promise.all([closeServer(tcp), closeServer(http)]);
  };
  try {
    const boundPort = await listen(tcp, port, host, "MQTT");
    let boundWsPort: number | undefined;
    if (wsPort !== undefined) {
      const { WebSocketServer, createWebSocketStream } = await import("ws");
      http = createHttpServer((_request, response) => {
        response.writeHead(426, { "content-type": "text/plain" }).end("MQTT over WebSocket only\n");
      });
      http.on("connection", track);
      wss = new WebSocketServer({ server: http });
      wss.on("connection", (socket, request) => {
        const stream = createWebSocketStream(socket);
        stream.on("error", (error) =>
          log.debug({ err: error.message }, "embedded broker: websocket stream error"),
        );
        track(stream);
        broker.handle(stream, request);
      });
      wss.on("error", (error) =>
        log.error({ err: error.message }, "embedded broker: websocket error"),
      );
      boundWsPort = await listen(http, wsPort, host, "WebSocket");
    }
    const shownHost = urlHost(host);
    let closing: Promise<void> | undefined;
    const embedded: EmbeddedBroker = {
      url: `mqtt://${shownHost}:${boundPort}`,
      host,
      port: boundPort,
      wsUrl: boundWsPort === undefined ? undefined : `ws://${shownHost}:${boundWsPort}/`,
      wsPort: boundWsPort,
      connectedClients: () => broker.connectedClients,
      close: () => {
        closing ??= closeAll().then(() => log.info({ port: boundPort }, "embedded broker closed"));
        return closing;
      },
    };
    log.info({ url: embedded.url, wsUrl: embedded.wsUrl }, "embedded broker listening");
    return embedded;
  } catch (error) {
    await closeAll();
    throw error;
  }
}

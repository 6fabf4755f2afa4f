import type { IClientOptions } from "mqtt";
import type { Endpoint, ResolvedClientOptions } from "./client-options";
import type { TlsMaterial } from "./tls-material";

/** Payload of the retained status while connected. */
export const STATUS_ONLINE = "online";
/** Payload of the retained status after `close()`, and of the last will. */
export const STATUS_OFFLINE = "offline";

const noop = (): void => {};

/**
 * The mqtt.js options for the adapter's options: mqtt.js connects when told to and never
 * reconnects or resubscribes by itself (the adapter does both, with its own backoff), its
 * debug output, which would include the CONNECT packet and its password, is switched off, and
 * so is mqtt-packet's cache of two-byte numbers (`writeCache`).
 * `endpoint` is the broker URL to connect to (default: the first); TLS material applies to
 * `mqtts://` and `wss://` endpoints only.
 */
export function toMqttJsOptions(
  o: ResolvedClientOptions,
  tls: TlsMaterial | undefined,
  endpoint: Endpoint = o.endpoints[0] ?? o,
): IClientOptions {
  const e = endpoint;
  const options: IClientOptions = {
    protocol: e.protocol,
    host: e.host,
    hostname: e.protocol === "ws" || e.protocol === "wss" ? e.urlHost : e.host,
    port: e.port,
    clientId: o.clientId,
    protocolVersion: o.protocolVersion,
    keepalive: o.keepaliveS,
    clean: o.clean,
    connectTimeout: o.connectTimeoutMs,
    reconnectPeriod: 0,
    manualConnect: true,
    resubscribe: false,
    queueQoSZero: false,
    // mqtt-packet otherwise makes a Buffer for each of the 65,536 two-byte numbers on the first
    // packet it writes (6.5 MB of heap for the life of the process); the adapter writes a few
    // numbers per message (packet ids), which it can afford to make when needed.
    writeCache: false,
    log: noop,
  };
  if (e.path !== "") options.path = e.path;
  if (e.username !== undefined) options.username = e.username;
  if (e.password !== undefined) options.password = e.password;
  if (o.sessionExpiryIntervalS !== undefined) {
    options.properties = { sessionExpiryInterval: o.sessionExpiryIntervalS };
  }
  if (o.statusTopic !== undefined) {
    options.will = {
      topic: o.statusTopic,
      payload: Buffer.from(STATUS_OFFLINE),
      qos: 1,
      retain: true,
    };
  }
  if (tls !== undefined && (e.protocol === "mqtts" || e.protocol === "wss")) {
    Object.assign(options, tls);
  }
  return options;
}

import type { IClientOptions } from "mqtt";
import type { ResolvedClientOptions } from "./client-options";
import type { TlsMaterial } from "./tls-material";

/** Payload of the retained status while connected. */
export const STATUS_ONLINE = "online";
/** Payload of the retained status after `close()`, and of the last will. */
export const STATUS_OFFLINE = "offline";

const noop = (): void => {};

/**
 * The mqtt.js options for the adapter's options: mqtt.js connects when told to and never
 * reconnects or resubscribes by itself (the adapter does both, with its own backoff), and its
 * debug output, which would include the CONNECT packet and its password, is switched off.
 */
export function toMqttJsOptions(
  o: ResolvedClientOptions,
  tls: TlsMaterial | undefined,
): IClientOptions {
  const options: IClientOptions = {
    protocol: o.protocol,
    host: o.host,
    hostname: o.protocol === "ws" || o.protocol === "wss" ? o.urlHost : o.host,
    port: o.port,
    clientId: o.clientId,
    protocolVersion: o.protocolVersion,
    keepalive: o.keepaliveS,
    clean: o.clean,
    connectTimeout: o.connectTimeoutMs,
    reconnectPeriod: 0,
    manualConnect: true,
    resubscribe: false,
    queueQoSZero: false,
    log: noop,
  };
  if (o.path !== "") options.path = o.path;
  if (o.username !== undefined) options.username = o.username;
  if (o.password !== undefined) options.password = o.password;
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
  if (tls !== undefined) Object.assign(options, tls);
  return options;
}

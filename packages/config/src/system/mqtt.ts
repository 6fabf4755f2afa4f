import { z } from "zod";
import { port } from "./fields";

/** What a broker URL must start with. */
const BROKER_URL = /^(mqtts?|wss?):\/\/./;
const BROKER_URL_MESSAGE = "must start with mqtt://, mqtts://, ws:// or wss://";

/**
 * A message when `url` is not a broker URL (mqtt://, mqtts://, ws://, wss://) or a comma list of
 * them (`COREFLUX_MQTT_URL` may name the nodes of a cluster), else undefined.
 */
export function brokerUrlProblem(url: string): string | undefined {
  const urls = url.split(",").map((u) => u.trim());
  return urls.every((u) => BROKER_URL.test(u))
    ? undefined
    : `${BROKER_URL_MESSAGE}${urls.length > 1 ? " (each of the comma-separated URLs)" : ""}`;
}

/**
 * The broker URLs to try in turn (failover): `[mqtt] url` (a comma list when it came from
 * `COREFLUX_MQTT_URL`, which overrides the file), else `[mqtt] urls`; undefined for the
 * embedded broker.
 */
export function brokerUrls(mqtt: {
  url?: string | undefined;
  urls?: string[] | undefined;
}): string[] | undefined {
  if (mqtt.url !== undefined) return mqtt.url.split(",").map((u) => u.trim());
  return mqtt.urls;
}

/** `[mqtt]`: the broker both services connect to, and the embedded broker of the aggregator. */
export const mqttTable = z
  .strictObject({
    /** Broker URL (mqtt://, mqtts://, ws://, wss://). Absent: start the embedded broker. */
    url: z.string().regex(BROKER_URL, BROKER_URL_MESSAGE).optional(),
    /**
     * Several nodes of a clustered broker, tried in turn: when the one in use goes away the
     * client moves to the next (instead of `url`).
     */
    urls: z.array(z.string().regex(BROKER_URL, BROKER_URL_MESSAGE)).min(1).optional(),
    username: z.string().optional(),
    password: z.string().optional(),
    client_id: z.string().min(1).max(128).default("coreflux-aggregator"),
    /** QoS of the subscriptions. 1 (at least once) lets the broker queue messages while we are away. */
    qos: z.union([z.literal(0), z.literal(1)]).default(1),
    protocol_version: z.union([z.literal(4), z.literal(5)]).default(4),
    keepalive_seconds: z.number().int().min(0).max(65_535).default(30),
    /** Keep the broker session (and its queue) across reconnects and restarts. */
    clean_session: z.boolean().default(false),
    /** MQTT 5 only: how long the broker keeps the session while we are away. */
    session_expiry_seconds: z.number().int().min(0).max(4_294_967_295).default(86_400),
    ca_file: z.string().min(1).optional(),
    cert_file: z.string().min(1).optional(),
    key_file: z.string().min(1).optional(),
    reject_unauthorized: z.boolean().default(true),
    /**
     * How long the aggregator holds the acknowledgements of arriving readings (and its own
     * publishes) so that those of the next readings leave with them: one journal write and one
     * socket write per batch instead of per socket read. 0: only until the end of the current
     * turn of the event loop. A hold also ends once 10 acknowledgements wait (Mosquitto sends
     * at most 20 unacknowledged messages to a client).
     */
    write_hold_ms: z.number().int().min(0).max(1000).default(1),
    embedded: z
      .strictObject({
        host: z.string().min(1).default("127.0.0.1"),
        port: port.default(1883),
      })
      .prefault({}),
  })
  .refine((mqtt) => mqtt.url === undefined || mqtt.urls === undefined, {
    message: "set either url or urls, not both",
    path: ["urls"],
  })
  // A client certificate is useless without its key: say so at the certificate's line.
  .refine((mqtt) => mqtt.cert_file === undefined || mqtt.key_file !== undefined, {
    message: "needs mqtt.key_file as well",
    path: ["cert_file"],
  })
  .prefault({});

import { z } from "zod";
import { port } from "./fields";

/** What a broker URL must start with. */
const BROKER_URL = /^(mqtts?|wss?):\/\/./;
const BROKER_URL_MESSAGE = "must start with mqtt://, mqtts://, ws:// or wss://";

/** A message when `url` is not a broker URL (mqtt://, mqtts://, ws://, wss://), else undefined. */
export function brokerUrlProblem(url: string): string | undefined {
  return BROKER_URL.test(url) ? undefined : BROKER_URL_MESSAGE;
}

/** `[mqtt]`: the broker both services connect to, and the embedded broker of the aggregator. */
export const mqttTable = z
  .strictObject({
    /** Broker URL (mqtt://, mqtts://, ws://, wss://). Absent: start the embedded broker. */
    url: z.string().regex(BROKER_URL, BROKER_URL_MESSAGE).optional(),
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
    embedded: z
      .strictObject({
        host: z.string().min(1).default("127.0.0.1"),
        port: port.default(1883),
      })
      .prefault({}),
  })
  // A client certificate is useless without its key: say so at the certificate's line.
  .refine((mqtt) => mqtt.cert_file === undefined || mqtt.key_file !== undefined, {
    message: "needs mqtt.key_file as well",
    path: ["cert_file"],
  })
  .prefault({});

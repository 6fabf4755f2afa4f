import * as z from "zod";
import { shellyIgnoredReasonSchema } from "../ignored-reasons";
import { shellyNotificationMethodSchema } from "../schemas/notification-frame";
import { shellyReadingSchema, shellyTemperatureReadingSchema } from "./reading";

/**
 * Zod schema of a device generation: 1 for `shellies/…` Gen1 topics; 2 for RPC devices unless the
 * JSON `src` device id names a Gen3 or Gen4 model (`shellyplugsg3-…` → 3, `shelly1pmg4-…` → 4).
 */
export const shellyGenerationSchema = z.literal([1, 2, 3, 4]);

/** Shelly device generation (1, 2, 3 or 4). */
export type ShellyGeneration = z.infer<typeof shellyGenerationSchema>;

const readings = z.array(shellyReadingSchema);
const noReadings = z.array(shellyReadingSchema).max(0);
const context = {
  /** `sys.uptime`: seconds since boot; a drop means the device rebooted. */
  uptimeS: z.number().nonnegative().optional(),
  /** `sys.unixtime`: the device clock, unix seconds (absent while not synced). */
  unixtimeS: z.number().optional(),
  /** `temperature:<id>` sensors (and Gen1 device temperature), °C. */
  temperatures: z.array(shellyTemperatureReadingSchema).optional(),
};
const base = {
  /** The device's topic prefix: everything before the Shelly part of the topic. */
  prefix: z.string().min(1),
  generation: shellyGenerationSchema,
};

/** `<prefix>/status/<component>`: a full component status (`status_ntf`), or `sys`/`temperature`. */
export const shellyStatusMessageSchema = z.strictObject({
  kind: z.literal("status"),
  ...base,
  component: z.string(),
  readings,
  ...context,
});

/** `<prefix>/events/rpc`: a NotifyStatus (partial delta), NotifyFullStatus or NotifyEvent frame. */
export const shellyNotificationMessageSchema = z.strictObject({
  kind: z.literal("notification"),
  ...base,
  src: z.string().optional(),
  method: shellyNotificationMethodSchema,
  /** `params.ts` × 1000, rounded: the device's time of the frame, ms since the unix epoch. */
  deviceTsMs: z.number().int().optional(),
  readings,
  /** NotifyEvent only: the events, with their own device time in ms. */
  events: z
    .array(
      z.strictObject({
        component: z.string().optional(),
        event: z.string(),
        deviceTsMs: z.number().int().optional(),
      }),
    )
    .optional(),
  ...context,
});

/** `<prefix>/online` (Gen1 and Gen2+): `true` on connect, `false` as the Last Will. */
export const shellyOnlineMessageSchema = z.strictObject({
  kind: z.literal("online"),
  ...base,
  online: z.boolean(),
  readings: noReadings,
});

/**
 * `<caller>/rpc` carrying a device's answer. `prefix` is the caller's topic prefix (the request's
 * `src`), `src` the answering device id, `dst` the caller; `result` or `error` as sent.
 */
export const shellyRpcResponseMessageSchema = z.strictObject({
  kind: z.literal("rpc-response"),
  ...base,
  src: z.string(),
  dst: z.string(),
  id: z.union([z.number(), z.string()]),
  result: z.unknown().optional(),
  error: z.strictObject({ code: z.number(), message: z.string().optional() }).optional(),
  readings: noReadings,
});

/** `<prefix>/rpc` carrying a request to a device; `src` is the requesting client, not a device. */
export const shellyRpcRequestMessageSchema = z.strictObject({
  kind: z.literal("rpc-request"),
  ...base,
  src: z.string(),
  id: z.union([z.number(), z.string()]).optional(),
  method: z.string(),
  params: z.unknown().optional(),
  readings: noReadings,
});

/** `shellies/announce` or `shellies/<id>/announce`: a Gen1 device introducing itself. */
export const shellyAnnounceMessageSchema = z.strictObject({
  kind: z.literal("announce"),
  ...base,
  announce: z.strictObject({
    id: z.string(),
    model: z.string(),
    mac: z.string(),
    ip: z.string(),
    newFirmware: z.boolean(),
    firmwareVersion: z.string(),
    mode: z.string().optional(),
  }),
  readings: noReadings,
});

/** A Gen1 scalar topic (`relay/0/power`, `emeter/1/total`, `relay/0`, `temperature`, …). */
export const shellyGen1ValueMessageSchema = z.strictObject({
  kind: z.literal("gen1-value"),
  ...base,
  readings: readings.max(1),
  temperatures: context.temperatures,
});

/** A recognised Shelly message that carries no metering, with the closed-set `reason`. */
export const shellyIgnoredMessageSchema = z.strictObject({
  kind: z.literal("ignored"),
  ...base,
  reason: shellyIgnoredReasonSchema,
  /** The component the topic names, when it names one (`status/wifi` → `wifi`). */
  component: z.string().optional(),
  readings: noReadings,
});

/**
 * Zod schema of every message `parseShellyMessage` returns, discriminated on `kind`. Every kind
 * carries `prefix`, `generation` and `readings` (empty for kinds without metering).
 */
export const shellyMessageSchema = z.discriminatedUnion("kind", [
  shellyStatusMessageSchema,
  shellyNotificationMessageSchema,
  shellyOnlineMessageSchema,
  shellyRpcResponseMessageSchema,
  shellyRpcRequestMessageSchema,
  shellyAnnounceMessageSchema,
  shellyGen1ValueMessageSchema,
  shellyIgnoredMessageSchema,
]);

/** A parsed Shelly MQTT message; switch on `kind`. */
export type ShellyMessage = z.output<typeof shellyMessageSchema>;

/** The `kind` of a {@link ShellyMessage}. */
export type ShellyMessageKind = ShellyMessage["kind"];

/** A `status` message. */
export type ShellyStatusMessage = z.output<typeof shellyStatusMessageSchema>;
/** A `notification` message. */
export type ShellyNotificationMessage = z.output<typeof shellyNotificationMessageSchema>;
/** An `online` message. */
export type ShellyOnlineMessage = z.output<typeof shellyOnlineMessageSchema>;
/** An `rpc-response` message. */
export type ShellyRpcResponseMessage = z.output<typeof shellyRpcResponseMessageSchema>;
/** An `rpc-request` message. */
export type ShellyRpcRequestMessage = z.output<typeof shellyRpcRequestMessageSchema>;
/** An `announce` message. */
export type ShellyAnnounceMessage = z.output<typeof shellyAnnounceMessageSchema>;
/** A `gen1-value` message. */
export type ShellyGen1ValueMessage = z.output<typeof shellyGen1ValueMessageSchema>;
/** An `ignored` message. */
export type ShellyIgnoredMessage = z.output<typeof shellyIgnoredMessageSchema>;

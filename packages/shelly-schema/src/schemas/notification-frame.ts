import * as z from "zod";
import { leafSchemas } from "./field-table";

/** The three notification methods Gen2+ devices publish on `<prefix>/events/rpc`. */
export const SHELLY_NOTIFICATION_METHODS = [
  "NotifyStatus",
  "NotifyFullStatus",
  "NotifyEvent",
] as const;

/** Zod schema of a known notification method name. */
export const shellyNotificationMethodSchema = z.enum(SHELLY_NOTIFICATION_METHODS);

/** `NotifyStatus`, `NotifyFullStatus` or `NotifyEvent`. */
export type ShellyNotificationMethod = z.infer<typeof shellyNotificationMethodSchema>;

/**
 * Zod schema of the envelope of an `events/rpc` frame: `src` (the real device id), `dst`,
 * `method`, and `params` with `ts` (device time, unix seconds with 2 decimals) plus one key per
 * component (`switch:0`, `em:0`, `sys`, …). Component values are checked separately with their
 * own schemas; unknown keys and methods are accepted here.
 */
export const shellyNotificationFrameSchema = z.looseObject({
  src: z.string().optional(),
  dst: z.string().optional(),
  method: z.string(),
  params: z.looseObject({ ts: leafSchemas.unixSeconds.optional() }),
});

/** A validated `events/rpc` frame envelope. */
export type ShellyNotificationFrame = z.output<typeof shellyNotificationFrameSchema>;

/**
 * Zod schema of one entry of `NotifyEvent` `params.events`: `component` (e.g. `switch:0`), `id`,
 * `event` (e.g. `config_changed`, `data`), `ts` unix seconds. Extra fields kept.
 */
export const shellyNotificationEventSchema = z.looseObject({
  component: z.string().optional(),
  id: z.number().optional(),
  event: z.string(),
  ts: leafSchemas.unixSeconds.optional(),
});

/** Zod schema of `NotifyEvent` `params`: `ts` unix seconds and the `events` list. */
export const shellyNotifyEventParamsSchema = z.looseObject({
  ts: leafSchemas.unixSeconds.optional(),
  events: z.array(shellyNotificationEventSchema),
});

/** One validated `NotifyEvent` entry. */
export type ShellyNotificationEvent = z.output<typeof shellyNotificationEventSchema>;

import * as z from "zod";
import type { ShellyReading } from "../output/reading";
import { emDataReading, emReading } from "../readings/em-reading";
import { em1DataReading, em1Reading } from "../readings/em1-reading";
import { meteredReading } from "../readings/metered-reading";
import { coverStatusFields, shellyCoverStatusSchema } from "../schemas/cover-status";
import { emStatusFields, shellyEmStatusSchema } from "../schemas/em-status";
import { em1StatusFields, shellyEm1StatusSchema } from "../schemas/em1-status";
import { em1DataStatusFields, shellyEm1DataStatusSchema } from "../schemas/em1data-status";
import { emDataStatusFields, shellyEmDataStatusSchema } from "../schemas/emdata-status";
import type { FieldTable } from "../schemas/field-table";
import { lightStatusFields, shellyLightStatusSchema } from "../schemas/light-status";
import { pm1StatusFields, shellyPm1StatusSchema } from "../schemas/pm1-status";
import { shellySwitchStatusSchema, switchStatusFields } from "../schemas/switch-status";
import { shellySysStatusSchema, sysStatusFields } from "../schemas/sys-status";
import {
  shellyTemperatureStatusSchema,
  temperatureStatusFields,
} from "../schemas/temperature-status";
import type { ComponentKey } from "./component-key";
import { FastTable } from "./fast/fast-table";
import { type Slots, slotIndex } from "./slots";

/** What one component type yields from a validated status (given as slots of its table). */
export type ComponentYield =
  | {
      readonly role: "metering";
      readonly read: (
        key: ComponentKey,
        status: Slots,
        deviceTsMs: number | undefined,
      ) => ShellyReading;
    }
  | { readonly role: "temperature"; readonly celsiusSlot: number };

/**
 * What the parser knows about one component type: its field table (read by the byte fast path),
 * its zod schema (compiled with `z.compile`, used on the general path) and what it yields.
 */
export type ComponentSpec = ComponentYield & {
  readonly fields: FieldTable;
  readonly fast: FastTable;
  readonly schema: z.ZodType<Record<string, unknown>>;
  /** Slot of the `id` field, checked against the id in the topic or frame key. */
  readonly idSlot: number;
};

function spec<const T extends FieldTable & { id: "componentId" }>(
  fields: T,
  schema: z.ZodType<Record<string, unknown>>,
  yields: ComponentYield,
): ComponentSpec {
  return {
    ...yields,
    fields,
    fast: new FastTable(fields),
    schema: z.compile(schema),
    idSlot: slotIndex(fields).id,
  };
}

const metered: ComponentYield = {
  role: "metering",
  read: (key, status, ts) => meteredReading(key.key, status, ts),
};
const light = spec(lightStatusFields, shellyLightStatusSchema, metered);

/** Component types with readings or context, by name. Anything else is ignored, not an error. */
export const COMPONENTS: ReadonlyMap<string, ComponentSpec> = new Map([
  ["switch", spec(switchStatusFields, shellySwitchStatusSchema, metered)],
  ["pm1", spec(pm1StatusFields, shellyPm1StatusSchema, metered)],
  ["cover", spec(coverStatusFields, shellyCoverStatusSchema, metered)],
  ["light", light],
  ["rgb", light],
  ["rgbw", light],
  ["cct", light],
  [
    "em",
    spec(emStatusFields, shellyEmStatusSchema, {
      role: "metering",
      read: (key, status, ts) => emReading(key.key, status, ts),
    }),
  ],
  [
    "emdata",
    spec(emDataStatusFields, shellyEmDataStatusSchema, {
      role: "metering",
      read: (key, status, ts) => emDataReading(key.key, key.id, status, ts),
    }),
  ],
  [
    "em1",
    spec(em1StatusFields, shellyEm1StatusSchema, {
      role: "metering",
      read: (key, status, ts) => em1Reading(key.key, status, ts),
    }),
  ],
  [
    "em1data",
    spec(em1DataStatusFields, shellyEm1DataStatusSchema, {
      role: "metering",
      read: (key, status, ts) => em1DataReading(key.key, key.id, status, ts),
    }),
  ],
  [
    "temperature",
    spec(temperatureStatusFields, shellyTemperatureStatusSchema, {
      role: "temperature",
      celsiusSlot: slotIndex(temperatureStatusFields).tC,
    }),
  ],
]);

const SYS_SLOTS = slotIndex(sysStatusFields);

/** The `sys` singleton: context only (`uptime` s, `unixtime` unix s). */
export const SYS = {
  fields: sysStatusFields as FieldTable,
  fast: new FastTable(sysStatusFields),
  schema: z.compile(shellySysStatusSchema) as z.ZodType<Record<string, unknown>>,
  uptimeSlot: SYS_SLOTS.uptime,
  unixtimeSlot: SYS_SLOTS.unixtime,
} as const;

import { z } from "zod";

/**
 * The JSON published for every level. Field names and meanings of the original C# service are
 * kept (`Name`, `Topic`, `UnixTimestamp`, `TotalEnergyConsumed`, `LastEnergyVal`, `TotalEnergy`,
 * `Devices`, `Rooms`, `Offices`); everything else is new, in the same naming style. Energies are
 * Wh with at most 3 decimals (exact: computed from integer mWh), power W with at most 3.
 */
const energyWh = z.number().min(0).describe("Wh, at most 3 decimals");
const count = z.number().int().min(0);

const common = {
  Name: z
    .string()
    .describe("the node's name: the topic segment of the device, room, office or company"),
  Topic: z.string().describe("the topic this object is published on"),
  UnixTimestamp: z.number().int().describe("when this message was published, Unix seconds"),
  PowerW: z
    .number()
    .describe("sum of the latest power of the online meters below, W (negative while exporting)"),
  EnergyThisHourWh: energyWh.describe("active energy in the current local hour, Wh"),
  EnergyTodayWh: energyWh.describe("active energy in the current local day, Wh"),
  EnergyThisMonthWh: energyWh.describe("active energy in the current local month, Wh"),
  ReturnedEnergyWh: energyWh.describe("returned (exported) energy since first seen, Wh"),
  MetersOnline: count.describe("meters (channels) that reported within the stale threshold"),
  MetersStale: count.describe("meters silent for longer than the stale threshold"),
  MetersOffline: count.describe("meters of devices whose last will / online topic said offline"),
  LastUpdateUnixTimestamp: z
    .number()
    .int()
    .nullable()
    .describe("last reading that changed energy or power below this node, Unix seconds"),
};

/** One metering channel of a device (`switch:2`, `em:0`, `relay:0`, ...). */
export const channelPayloadSchema = z.object({
  Id: z.string().describe("the Shelly component and channel, e.g. switch:2"),
  TotalEnergyConsumed: energyWh.describe("active energy since first seen, Wh"),
  PowerW: z.number().describe("latest power, W"),
  State: z.enum(["online", "stale", "offline"]),
});

/** A device's scalar fields (also the entries of a room's `Devices`). */
export const deviceFieldsSchema = z.object({
  ...common,
  TotalEnergyConsumed: energyWh.describe(
    "active energy since the device was first seen, Wh; never decreases",
  ),
  LastEnergyVal: energyWh
    .nullable()
    .describe(
      "the device's last cumulative counter value, Wh (sum over channels); null before the first",
    ),
  State: z.enum(["online", "stale", "offline"]).describe("online: a channel reported recently"),
  Channels: z.array(channelPayloadSchema),
});

const groupFields = {
  ...common,
  TotalEnergy: energyWh.describe("active energy since first seen, Wh; never decreases"),
  DevicesOnline: count,
  DevicesStale: count,
  DevicesOffline: count,
};

/** A room's scalar fields (also the entries of an office's `Rooms`). */
export const roomFieldsSchema = z.object(groupFields);
/** An office's scalar fields (also the entries of the company's `Offices`). */
export const officeFieldsSchema = z.object(groupFields);

/** `<Company>/<Office>/<Room>/<Device>/status/EnergyConsumed` */
export const devicePayloadSchema = deviceFieldsSchema;
/** `<Company>/<Office>/<Room>/RoomEnergyConsumed`; `Devices` absent when `[publish] nested = false`. */
export const roomPayloadSchema = z.object({
  ...groupFields,
  Devices: z.array(deviceFieldsSchema).optional(),
});
/** `<Company>/<Office>/OfficeEnergyConsumed`; `Rooms` absent when `[publish] nested = false`. */
export const officePayloadSchema = z.object({
  ...groupFields,
  Rooms: z.array(roomFieldsSchema).optional(),
});
/** What a roll-up adds to the company payload: whether its total lags behind a partition. */
export const rollupCompanyFields = {
  Partitions: z
    .array(z.strictObject({ Name: z.string(), Status: z.enum(["online", "offline", "missing"]) }))
    .describe("roll-up only: the [rollup] partitions and their retained status"),
  PartitionsLagging: z
    .boolean()
    .describe(
      "roll-up only: true when a partition is offline or missing: the totals may lag behind",
    ),
  Sources: z.number().int().min(0).describe("roll-up only: source nodes (partition totals) summed"),
};

/**
 * `<Company>/CompanyEnergyConsumed`; `Offices` absent when `[publish] nested = false`; the
 * roll-up's fields only when a roll-up publishes it.
 */
export const companyPayloadSchema = z.object({
  ...groupFields,
  Offices: z.array(officeFieldsSchema).optional(),
  Partitions: rollupCompanyFields.Partitions.optional(),
  PartitionsLagging: rollupCompanyFields.PartitionsLagging.optional(),
  Sources: rollupCompanyFields.Sources.optional(),
});

export type DevicePayload = z.infer<typeof devicePayloadSchema>;
export type DeviceFields = z.infer<typeof deviceFieldsSchema>;
export type GroupFields = z.infer<typeof roomFieldsSchema>;
export type RoomPayload = z.infer<typeof roomPayloadSchema>;
export type OfficePayload = z.infer<typeof officePayloadSchema>;
export type CompanyPayload = z.infer<typeof companyPayloadSchema>;

/** Every published payload, for the committed JSON Schema. */
export const aggregatePayloadSchemas = {
  device: devicePayloadSchema,
  room: roomPayloadSchema,
  office: officePayloadSchema,
  company: companyPayloadSchema,
} as const;

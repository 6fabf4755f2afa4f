import * as z from "zod";

/**
 * Zod schema of a Gen1 announce (`shellies/announce`, `shellies/<id>/announce`): `id` (the MQTT
 * id, e.g. `shellyplug-s-7AD4B1`), `model`, `mac`, `ip`, `new_fw` (an update is available),
 * `fw_ver`, and `mode` on multi-mode devices. Extra fields are accepted and ignored.
 */
export const shellyGen1AnnounceSchema = z.looseObject({
  id: z.string().min(1),
  model: z.string(),
  mac: z.string(),
  ip: z.string(),
  new_fw: z.boolean(),
  fw_ver: z.string(),
  mode: z.string().optional(),
});

/** A validated Gen1 announce payload, in Shelly's own field names. */
export type ShellyGen1Announce = z.output<typeof shellyGen1AnnounceSchema>;

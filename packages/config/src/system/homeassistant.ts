import { z } from "zod";

/** `[homeassistant]`: Home Assistant MQTT discovery of every node. Off by default. */
export const homeassistantTable = z
  .strictObject({
    /** Announce every node (company, offices, rooms, devices) to Home Assistant. */
    discovery: z.boolean().default(false),
    /** Home Assistant's discovery prefix (its MQTT integration setting). */
    prefix: z
      .string()
      .min(1)
      .refine((p) => !/[#+]/.test(p) && !p.startsWith("/") && !p.endsWith("/"), {
        message: "must be a topic prefix without wildcards or a leading/trailing /",
      })
      .default("homeassistant"),
    /**
     * "device": one `<prefix>/device/<id>/config` per node (Home Assistant 2024.11 and later);
     * "per-component": one `<prefix>/sensor/<node>/<entity>/config` per entity (older versions).
     */
    format: z
      .enum(["device", "per-component"], { error: 'must be "device" or "per-component"' })
      .default("device"),
  })
  .prefault({});

import { z } from "zod";

/** `[publish]`: how and how often the aggregator publishes its totals. */
export const publishTable = z
  .strictObject({
    interval_seconds: z.number().min(0.1).max(86_400).default(10),
    retain: z.boolean().default(true),
    qos: z.union([z.literal(0), z.literal(1)]).default(1),
    /** Include children (Devices, Rooms, Offices) as arrays; turn off for large fleets. */
    nested: z.boolean().default(true),
    /** Republish every node every N cycles, changed or not. */
    full_refresh_every: z.number().int().min(1).default(30),
  })
  .prefault({});

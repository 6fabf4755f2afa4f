import { z } from "zod";
import { timeZone } from "./fields";

const powerOverride = z.strictObject({
  /** "Office/Room/Device", or a prefix of it ("Office/Room") applying to every device below. */
  match: z.string().min(1),
  /** Highest plausible power of each meter of the matched devices, W. */
  max_power_w: z.number().positive(),
});

/** `[accounting]`: the local time zone of the totals, staleness and power limits. */
export const accountingTable = z
  .strictObject({
    time_zone: timeZone.optional(),
    stale_after_seconds: z.number().positive().default(600),
    /**
     * Explicit limit of every meter, W: overrides the ratings of the Shelly models. Absent: each
     * meter's limit is its model's rating, or 60,000 W when the model is unknown.
     */
    max_power_w: z.number().positive().optional(),
    overrides: z.array(powerOverride).default([]),
  })
  .prefault({});

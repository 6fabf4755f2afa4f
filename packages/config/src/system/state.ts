import { z } from "zod";

/** `[state]`: where the aggregator keeps its totals across restarts. */
export const stateTable = z
  .strictObject({
    path: z.string().min(1).default("./coreflux-state.json"),
    journal: z.boolean().default(true),
  })
  .prefault({});

import { z } from "zod";

/** `[log]`: level and format of the services' log lines. */
export const logTable = z
  .strictObject({
    level: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
    /** "auto": pretty on a terminal, JSON otherwise. */
    format: z.enum(["auto", "json", "pretty"]).default("auto"),
  })
  .prefault({});

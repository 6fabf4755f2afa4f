import type * as z from "zod";
import { looseObjectFromFields } from "./field-table";

/**
 * Fields of the `sys` singleton this package reads: `uptime` in seconds since boot (a drop means a
 * reboot) and `unixtime` in unix seconds (`null` while the clock is not synced).
 */
export const sysStatusFields = {
  uptime: "counter",
  unixtime: "nullableNumber",
} as const;

/**
 * Zod schema of the `sys` status: `uptime` s (>= 0), `unixtime` unix s or `null`. Every field
 * optional; `mac`, `available_updates` and the rest are kept untouched.
 */
export const shellySysStatusSchema = looseObjectFromFields(sysStatusFields);

/** A validated `sys` status, in Shelly's own field names and units. */
export type ShellySysStatus = z.output<typeof shellySysStatusSchema>;

import type * as z from "zod";
import { looseObjectFromFields } from "./field-table";
import { meteredFields } from "./metered-fields";

/** Fields of `pm1:<id>` (Plus PM Mini, PM Mini Gen3) that this package reads. */
export const pm1StatusFields = { ...meteredFields } as const;

/**
 * Zod schema of a `pm1:<id>` status or delta: `apower` W, `aprtpower` VA, `voltage` V, `current` A,
 * `pf`, `freq` Hz, `aenergy`/`ret_aenergy` Wh, `errors`. Every field optional; extras kept.
 */
export const shellyPm1StatusSchema = looseObjectFromFields(pm1StatusFields);

/** A validated `pm1:<id>` status (or partial delta), in Shelly's own field names and units. */
export type ShellyPm1Status = z.output<typeof shellyPm1StatusSchema>;

import type * as z from "zod";
import { looseObjectFromFields } from "./field-table";
import { meteredFields } from "./metered-fields";

/** Fields of `switch:<id>` (relays, plugs, PM relays) that this package reads. */
export const switchStatusFields = { ...meteredFields } as const;

/**
 * Zod schema of a `switch:<id>` status or NotifyStatus delta: `output`, `apower` W, `voltage` V,
 * `current` A, `pf`, `freq` Hz, `aenergy`/`ret_aenergy` Wh, `temperature` °C, `errors`. Every
 * field optional; unknown fields (`source`, `tag`, `counts`, …) accepted and kept.
 */
export const shellySwitchStatusSchema = looseObjectFromFields(switchStatusFields);

/** A validated `switch:<id>` status (or partial delta), in Shelly's own field names and units. */
export type ShellySwitchStatus = z.output<typeof shellySwitchStatusSchema>;

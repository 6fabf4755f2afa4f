import type * as z from "zod";
import { looseObjectFromFields } from "./field-table";
import { meteredFields } from "./metered-fields";

/** Fields of `cover:<id>` (2PM devices in cover profile) that this package reads. */
export const coverStatusFields = { ...meteredFields, state: "string" } as const;

/**
 * Zod schema of a `cover:<id>` status or delta: `state` (`open`, `closing`, …), `apower` W,
 * `voltage` V, `current` A, `pf`, `freq` Hz, `aenergy` Wh, `temperature` °C, `errors`. Every field
 * optional; positions, timeouts and other extras kept.
 */
export const shellyCoverStatusSchema = looseObjectFromFields(coverStatusFields);

/** A validated `cover:<id>` status (or partial delta), in Shelly's own field names and units. */
export type ShellyCoverStatus = z.output<typeof shellyCoverStatusSchema>;
